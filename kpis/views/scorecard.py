"""A partner's scorecard, one KPI's chart and the host's portfolio."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import catalog
from django.views.generic import TemplateView

from partnerportal import formats, policy
from partnerportal.views import HostRequiredMixin
from partners import selectors as partner_selectors

from .. import figures, periods, reviews, selectors
from ..models import ReviewState, ScorecardReview
from ..templatetags.kpi_figures import NO_FIGURE, fast_figures, shown_fast
from ..templatetags.kpi_status import STATUS_ICONS, status_mark, status_word, trend_mark
from .common import parse_day


class ScorecardView(LoginRequiredMixin, TemplateView):
    template_name = "kpis/scorecard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        partner = partner_selectors.partner_detail(user=user, pk=self.kwargs["partner_pk"])
        granularity = self.request.GET.get("granularity", "month")
        card = selectors.scorecard(
            user=user, partner=partner, granularity=granularity, day=parse_day(self.request.GET.get("day"))
        )
        words = RowWords()  # once per page, not once per KPI
        for result in card.results:
            result.row_html = scorecard_row(result, words.chart_url, words)
            result.series_cells = series_cells(result, words.shown)
        if card.granularity == "month":
            context.update(review_context(user, partner, card))
        context.update(
            partner=partner,
            card=card,
            granularities=periods.GRANULARITIES.items(),
            spark={str(r.partner_kpi_id): [v for _label, v in r.series] for r in card.results},
            spark_labels=period_labels(get_language(), catalog(), card.granularity, tuple(card.bucket_starts)),
        )
        return context


def review_context(user, partner, card) -> dict:
    """The month's review (kpis.reviews): its state, disputes and what the user may do (two queries, plus
    the permission checks of the buttons)."""
    review = reviews.review_for(user=user, partner=partner, month=card.start)
    if review is None:
        return {"review": None}
    disputes = reviews.disputes_of(user=user, review=review)
    open_review = review.state != ReviewState.FINAL
    return {
        "review": review,
        "disputes": disputes,
        "can_accept": open_review
        and policy.allows(user, "accept", ScorecardReview)
        and not any(d.is_open for d in disputes),
        "can_dispute": open_review
        and policy.allows(user, "dispute", ScorecardReview)
        and review.window_ends >= timezone.localdate(),
    }


@lru_cache(maxsize=512)
def period_labels(language: str, catalogue, granularity: str, starts: tuple) -> tuple[str, ...]:
    """The periods in words (`formats.period`) in `language` (the active one): the same words for
    every partner's scorecard of the same periods, so made once per process (12 `date_format` calls
    cost a tenth of the page). A tuple: the cached words are shared.

    Keyed by the active translation object too (`catalogue`, compared by identity), not only by the
    language code: a catalogue that takes another's place under the same code (translations reloaded,
    the pseudo-locale sweep's marked Danish) makes its own words instead of being served the old ones.
    The key holds the object, so its identity cannot be reused while the entry lives."""
    return tuple(formats.period(start, granularity) for start in starts)


class RowWords:
    """What every row of one scorecard page shares, looked up once: the chart URL, the translated
    words, the figure formatter with the language's signs."""

    def __init__(self):
        self.chart_url = reverse("kpis:chart", args=[987654321]).replace("987654321", "{}")
        self.how = conditional_escape(_("How measured, why it matters"))
        # Translators: the text of a small line chart for screen readers ({% blocktrans %} in kpis/scorecard.html).
        self.chart_label = _("%(name)s: line chart of the last %(count)s periods; their numbers are in the table below")
        self.shown = fast_figures()


def scorecard_row(r, chart_url: str, words: RowWords | None = None) -> str:
    """One KPI's row of the scorecard table, pre-rendered (what a template row cost was most of the
    page's own rendering). Texts are escaped; the words are the templates' own messages."""
    words = words or RowWords()
    shown = words.shown
    actual, target, previous = (
        NO_FIGURE if value is None else shown(value, int(r.decimals)) for value in (r.actual, r.target, r.previous)
    )
    name = conditional_escape(r.name)
    status = conditional_escape(r.status)
    chart_label = words.chart_label % {"name": name, "count": localize(len(r.series))}
    return mark_safe(  # noqa: S308 - escaped texts, formatted numbers, fixed words
        f'<tr data-kpi="{conditional_escape(r.code)}" data-status="{status}">\n'
        f'  <td><a href="{chart_url.format(int(r.partner_kpi_id))}">{name}</a> '
        f'<span class="text-muted small">{conditional_escape(r.unit)}</span>\n'
        f'    <details class="small"><summary>{words.how}</summary>'
        f'<p class="mb-1">{conditional_escape(r.definition.display_how_measured)}</p>'
        f'<p class="mb-0">{conditional_escape(r.definition.display_why_it_matters)}</p></details></td>\n'
        f'  <td class="text-end fw-bold kpi-actual status-{status}">{actual}</td>\n'
        f'  <td class="text-end">{target}</td>\n'
        f'  <td class="status-{status}">{conditional_escape(status_word(r.status))}</td>\n'
        f"  <td>{trend_mark(r)}</td>\n"
        f'  <td class="text-end text-muted">{previous}</td>\n'
        f'  <td><a href="#scorecard-periods" class="d-inline-block"><canvas class="kpi-spark" width="140" height="32" '
        f'data-key="{int(r.partner_kpi_id)}" role="img" aria-label="{chart_label}"></canvas></a></td>\n'
        f'  <td class="text-end">{conditional_escape(localize(r.weight))}</td>\n'
        "</tr>"
    )


def series_cells(result, shown=None) -> str:
    """The cells of a KPI's row in the table of the last periods, pre-rendered: a template loop over
    12 periods × every KPI with a filter per cell cost more than the scorecard's data. Numbers and a
    fixed dash only, as `figure_or_dash` shows them (`shown`: `fast_figures()` of the page)."""
    shown = shown or shown_fast
    decimals = int(result.decimals)
    return mark_safe(  # noqa: S308 - formatted numbers and a fixed tag
        "".join(
            '<td class="text-end">' + (NO_FIGURE if value is None else shown(value, decimals)) + "</td>"
            for _label, value in result.series
        )
    )


class ChartView(LoginRequiredMixin, TemplateView):
    template_name = "kpis/chart.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        assignment = selectors.partner_kpi_for(user=user, pk=self.kwargs["pk"])
        granularity = self.request.GET.get("granularity", "month")
        chart = selectors.kpi_chart(partner_kpi=assignment, granularity=granularity)
        context.update(
            assignment=assignment,
            partner=assignment.partner,
            kpi=assignment.kpi,
            chart=chart,
            granularities=periods.GRANULARITIES.items(),
            targets=selectors.target_history(user=user, partner_kpi=assignment),
            successes=selectors.successes_for(user=user, partner=assignment.partner).filter(partner_kpi=assignment)[
                :10
            ],
        )
        return context


class PortfolioView(HostRequiredMixin, TemplateView):
    template_name = "kpis/portfolio.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        granularity = self.request.GET.get("granularity", "month")
        if granularity not in periods.GRANULARITIES:
            granularity = "month"
        portfolio = selectors.portfolio(
            user=self.request.user, granularity=granularity, day=parse_day(self.request.GET.get("day"))
        )
        render_portfolio_cells(portfolio)
        context["portfolio"] = portfolio
        context["granularities"] = periods.GRANULARITIES.items()
        return context


def render_portfolio_cells(portfolio) -> None:
    """Pre-render the portfolio's rows: a template loop over thousands of cells costs more than the data.

    Every part is a number, a status from a fixed set or a URL with a number in it; names and
    texts are escaped. Numbers are rounded once, half up, by kpis.figures (as the templates'
    `figure` filter does) and localised like `number_format` ("14.327.548", "12,5").
    """
    chart_url = reverse("kpis:chart", args=[987654321]).replace("987654321", "{}")
    scorecard_url = reverse("kpis:scorecard", args=[987654321]).replace("987654321", "{}")
    # Python groups with "," and marks decimals with "."; the language's signs replace them.
    separators = str.maketrans({",": get_format("THOUSAND_SEPARATOR"), ".": get_format("DECIMAL_SEPARATOR")})
    not_assigned = escape(_("Not assigned"))
    empty = f'<td class="text-end text-muted" data-value="">·<span class="visually-hidden">{not_assigned}</span></td>'
    marks = {status: str(status_mark(status)) for status in STATUS_ICONS}
    # Per status once: the cell's opening tag and its mark (a status from the fixed set, escaped anyway).
    status_parts = {}
    chart_before, chart_after = chart_url.split("{}")
    # The numbers are digits, "-" and the language's signs: escaped only if a sign needs it.
    signs = get_format("THOUSAND_SEPARATOR") + get_format("DECIMAL_SEPARATOR")
    signs_need_escape = escape(signs) != signs
    rounded = figures.rounded
    for row in portfolio["rows"]:
        partner = row.partner
        name = escape(partner.name)
        parts = [f'<td data-value="{name}"><a href="{scorecard_url.format(int(partner.pk))}">{name}</a></td>']
        for cell in row.cells:
            if cell is None:
                parts.append(empty)
                continue
            status = cell.status
            known = status_parts.get(status)
            if known is None:
                known = status_parts[status] = (
                    f'<td class="text-end status-{escape(status)}" data-value="',
                    f"{marks.get(status, marks['no_data'])}</a></td>",
                )
            actual = cell.actual
            if actual is None:
                shown, sort_value = "–", ""
            else:
                shown = format(rounded(actual, cell.decimals), ",f").translate(separators)
                if signs_need_escape:
                    shown = escape(shown)
                sort_value = repr(actual)
            parts.append(
                f'{known[0]}{sort_value}"><a class="text-reset" href="{chart_before}{int(cell.partner_kpi_id)}'
                f'{chart_after}">{shown}{known[1]}'
            )
        if row.overall is None:
            parts.append('<td class="text-end fw-bold" data-value="">–</td>')
        else:
            score = format(figures.rounded(row.overall, 0), "f")
            parts.append(f'<td class="text-end fw-bold" data-value="{row.overall:f}">{score} %</td>')
        row.html = mark_safe("".join(parts))  # noqa: S308 - numbers, fixed words and escaped text
