"""How the KPI app plugs into the shell: navigation, the partner hub section, the dashboard panel,
notification kinds and periodic tasks (`register()`, called from KpisConfig.ready)."""

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from partnerportal import dashboard_cache, hub, policy, schedule
from partnerportal.links import row_url
from partnerportal.notifications import kinds

from . import alerts, demo, reminders, reviews, selectors, signals
from .models import KPIDefinition, KPITarget, PartnerKPI

DASHBOARD_MONTH = "dashboard-panel:kpis:month"  # the month the KPI panel last showed (the same for everyone)


def partner_section(request, partner):
    user = request.user
    card = selectors.scorecard(user=user, partner=partner, granularity="month", series=False)  # no sparkline here
    if not card.results and not policy.allows(user, "see_portfolio", PartnerKPI):
        return None
    chart_url = row_url("kpis:chart")  # one reverse for the rows, not one per row
    return {
        "title": _("KPIs"),
        "card": card,
        "rows": [(r, chart_url.format(r.partner_kpi_id)) for r in card.results],
        # Each success describes itself from its KPI's name, unit and decimals only: no other join or field.
        "successes": selectors.hub_successes(user=user, partner=partner),
    }


def dashboard_panel(request):
    """Counters and the lowest scores of the portfolio's month, from one query (not the whole portfolio)."""
    if not policy.allows(request.user, "see_portfolio", PartnerKPI):
        return None
    overview = dashboard_cache.cached("kpis", request.user, lambda: _overview(request.user))
    return {"title": _("KPI portfolio"), "overview": overview, "wide": False}


def _overview(user):
    overview = selectors.portfolio_overview(user=user)
    cache.set(DASHBOARD_MONTH, overview.start, None)
    return overview


def _rollup_refreshed(sender, keys, **kwargs):
    """New figures change the panel only in the month it shows or a later one: a correction of an older
    month (a back-dated import) leaves it as it was."""
    shown = cache.get(DASHBOARD_MONTH)
    if shown is None or any(month >= shown for _partner, _kpi, month in keys):
        dashboard_cache.invalidate("kpis")


def register():
    hub.demo_part("kpis", demo.seed, order=20)
    # KPIs about the host, with values the partners submitted (before relations' notices: order 50).
    hub.demo_part("kpis_host", demo.seed_host_kpis, order=21)
    # Last month's scorecard review, with one open dispute (kpis.reviews).
    hub.demo_part("kpis_reviews", demo.seed_reviews, order=22)
    hub.nav_item(
        _("Portfolio"),
        "kpis:portfolio",
        visible=lambda user: policy.allows(user, "see_portfolio", PartnerKPI),
        order=20,
        icon="grid-3x3",
        group="kpis",
    )
    # Host staff look across partners (the portfolio, the definitions); a partner's "KPIs" is their own scorecard.
    hub.nav_item(
        _("KPIs"),
        "kpis:definitions",
        visible=lambda user: policy.allows(user, policy.VIEW, KPIDefinition),
        order=21,
        icon="speedometer2",
        group="kpis",
    )
    hub.nav_item(
        _("KPIs"),
        "kpis:scorecard",
        visible=lambda user: bool(policy.partner_ids(user)),  # a partner user with their organisation
        url_kwargs=lambda user: {"partner_pk": user.organization_id},
        order=21,
        icon="speedometer2",
        group="kpis",
    )
    hub.nav_item(
        _("Scorecard reviews"),
        "kpis:reviews",
        visible=lambda user: policy.allows(user, "see_portfolio", PartnerKPI),
        order=22,
        icon="clipboard-check",
        group="kpis",
    )
    hub.partner_section("kpis", "kpis/_partner_section.html", partner_section, order=10)
    hub.dashboard_panel("kpis", "kpis/_dashboard_panel.html", dashboard_panel, order=10)
    # The panel's figures are kept in the cache until its inputs change (partnerportal.dashboard_cache).
    dashboard_cache.invalidate_on("kpis", "partners.Organization", PartnerKPI, KPIDefinition, KPITarget)
    signals.rollup_refreshed.connect(_rollup_refreshed, dispatch_uid="kpis-dashboard-rollup")

    kinds.register(alerts.KIND_BREACH, _("KPI crossed the critical threshold"))
    kinds.register(alerts.KIND_SUCCESS, _("KPI success"))
    kinds.register(reminders.KIND_DATA_MISSING, _("KPI figures missing for last month"))
    kinds.register(reviews.KIND_PROPOSED, _("Monthly scorecard proposed for review"))
    kinds.register(reviews.KIND_DISPUTED, _("Scorecard figure disputed"))
    kinds.register(reviews.KIND_ANSWERED, _("Scorecard dispute answered"))
    kinds.register(reviews.KIND_REOPENED, _("Final scorecard month reopened after a correction"))
    # A correction of a final month, by any write path, reopens its review (kpis.reviews).
    signals.rollup_refreshed.connect(reviews._rollup_refreshed, dispatch_uid="kpis-review-reopen")

    # Written to django-celery-beat's schedule after migrate; judging a month again changes nothing.
    schedule.periodic_task("KPIs: judge the last complete month", "kpis.tasks.judge_complete_month", 6 * 3600)
    # Removes import previews abandoned for over an hour (by their age: a late run catches up).
    schedule.periodic_task("KPIs: remove abandoned import previews", "kpis.tasks.remove_abandoned_import_previews", 900)
    # Once per partner and month (decided from the outbox), so a daily run catches up after an outage.
    schedule.periodic_task("KPIs: remind partners of missing figures", "kpis.tasks.remind_missing_data", 24 * 3600)
    # Proposes the last closed month's scorecards and finalises months whose review window ended (idempotent).
    schedule.periodic_task("KPIs: monthly scorecard review", "kpis.tasks.scorecard_review", 24 * 3600)
