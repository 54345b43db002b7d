"""CSV and XLSX exports of measurements and scorecards (querysets come from the policy-aware selectors).

Files are written by the shared writer (partnerportal/exports.py), which neutralises every text
cell that a spreadsheet would read as a formula.
"""

from django.utils.translation import gettext as _

from partnerportal.exports import csv_response, xlsx_response

from . import figures
from .columns import COLUMNS, EXPORT_COLUMNS


def _measurement_rows(qs):
    for m in qs.iterator(chunk_size=2000):
        yield [
            m.partner_id,
            m.kpi.code,
            m.period_kind,
            m.period_start.isoformat(),
            m.site.code if m.site_id else "",
            m.value,
            "" if m.numerator is None else m.numerator,
            "" if m.denominator is None else m.denominator,
            "" if m.sample_size is None else m.sample_size,
            m.source,
        ]


def measurements_response(qs, *, fmt, filename):
    """Columns match the import format, so an export can be corrected and imported again."""
    rows = _measurement_rows(qs.select_related("kpi", "site"))
    if fmt == "xlsx":
        return xlsx_response(EXPORT_COLUMNS, rows, filename, _("Measurements"))
    return csv_response(EXPORT_COLUMNS, rows, filename)


def review_of(card) -> str:
    """The period's review state (kpis.reviews), so an export never passes a month under review off as
    final: a month's own state (or "not proposed"); for a longer period "final" when all its closed months
    are, else how many are. One query."""
    from django.utils import timezone

    from .selectors.reviews import finality, review_states

    if card.granularity == "month":
        state = review_states(partner_ids=[card.partner.pk], start=card.start, end=card.start).get(
            (card.partner.pk, card.start)
        )
        return state or "not_proposed"
    final, closed = finality(partner_id=card.partner.pk, start=card.start, end=card.end, today=timezone.localdate())
    return "final" if closed and final == closed else f"{final}/{closed} final"


def scorecard_rows(card):
    review = review_of(card)
    for r in card.results:
        yield [
            card.partner.name,
            card.label,
            r.code,
            r.name,
            r.unit,
            "" if r.actual is None else figures.number(r.actual, 6),
            "" if r.target is None else r.target,
            "" if r.warning is None else r.warning,
            "" if r.critical is None else r.critical,
            r.status,
            "" if r.previous is None else figures.number(r.previous, 6),
            r.trend or "",
            r.weight,
            review,
        ]
    # The weighted overall score, as on the page: a last row without a KPI code.
    overall = [
        card.partner.name,
        card.label,
        "",
        _("Overall score"),
        "%",
        "" if card.overall is None else figures.number(card.overall, 2),
    ]
    yield overall + [""] * (len(SCORECARD_HEADER) - len(overall) - 1) + [review]
    if any(half.subject == "host" for half in card.halves):  # the host's half has its own score
        host = [
            card.partner.name,
            card.label,
            "",
            f"{_('Overall score')}: {_('How we do')}",
            "%",
            "" if card.overall_host is None else figures.number(card.overall_host, 2),
        ]
        yield host + [""] * (len(SCORECARD_HEADER) - len(host) - 1) + [review]


SCORECARD_HEADER = [
    "partner",
    "period",
    "kpi",
    "name",
    "unit",
    "actual",
    "target",
    "warning",
    "critical",
    "status",
    "previous",
    "trend",
    "weight",
    "review",
]


def scorecard_response(card, *, fmt, filename):
    rows = list(scorecard_rows(card))
    if fmt == "xlsx":
        return xlsx_response(SCORECARD_HEADER, rows, filename, _("Scorecard"))
    return csv_response(SCORECARD_HEADER, rows, filename)


def import_template_response(assignments, *, partner, day, fmt, filename):
    """A file to fill in and import: the import header and one row per KPI the user may submit for
    `partner` (its id, the KPI code, the period), the numbers left blank to be filled in."""
    rows = [
        [partner.pk, a.kpi.code, "day", day, "", "", "", "", ""]
        for a in assignments.select_related("kpi").order_by("-kpi__is_standard", "kpi__code")
    ]
    if fmt == "xlsx":
        return xlsx_response(COLUMNS, rows, filename, _("Measurements"))
    return csv_response(COLUMNS, rows, filename)
