"""Reads of cases and of the facts (measurements) and actions linked to them."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from kpis import selectors as kpi_selectors
from partnerportal import policy
from partners import selectors as partner_selectors

from ..models import Case, CaseStatus


def case_list(*, user, partner=None, status="", open_only=False) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Case).select_related("partner", "raised_by")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.exclude(status=CaseStatus.RESOLVED)
    return qs


def case_detail(*, user, pk) -> Case:
    qs = Case.objects.select_related("partner", "raised_by", "acknowledged_by").prefetch_related(
        "events__user", "files", "escalations", "action_items"
    )
    return policy.get_object(user, policy.VIEW, qs, pk=pk)


def open_cases_for_agenda(*, partner, user=None) -> list[dict]:
    qs = Case.objects.filter(partner=partner).exclude(status=CaseStatus.RESOLVED)
    if user is not None:
        qs = policy.scope(user, policy.VIEW, qs)
    return [
        {"title": c.title, "url": c.get_absolute_url(), "detail": c.get_status_display()}
        for c in qs.order_by("raised_at")
    ]


def action_owners(*, case) -> QuerySet:
    """Who may own an action agreed on `case`: active people of the host or of the case's partner."""
    return partner_selectors.host_staff_and_people_of(organization=case.partner)


def case_actions(*, user, case) -> list:
    """The case's agreed actions (meetings' action items) the user may see, with their owners."""
    return list(policy.scope(user, policy.VIEW, case.action_items.select_related("owner")))


def case_measurements(*, user, case) -> list:
    """Linked measurements the user may see (a partner never sees measurements of internal KPIs)."""
    return list(policy.scope(user, policy.VIEW, case.measurements.select_related("kpi", "partner")))


# --- Facts for cases ---------------------------------------------------------------------------

FACT_WINDOW_DAYS = 400  # a case is about something recent: the last 13 months of measurements
PICKER_RESULTS = 15


def measurement_choices(*, user, partner=None) -> QuerySet:
    """The measurements a case may be about: those the user may see (a partner never sees another
    partner's, nor an internal KPI's), of the last 13 months, of `partner` if given."""
    since = timezone.localdate() - timedelta(days=FACT_WINDOW_DAYS)
    qs = kpi_selectors.measurements_for(user=user, partner=partner, start=since)
    return qs.select_related("kpi", "partner", "site").order_by("-period_start", "kpi__name", "id")


def measurement_search(*, user, partner, text="", month=None, limit=PICKER_RESULTS):
    """One page of the measurement picker: (results, how many match). Every word of `text` must be
    in the KPI's name (stored or in the reader's language) or the site's name or code; `month` keeps
    the measurements of that calendar month."""
    qs = measurement_choices(user=user, partner=partner)
    for word in text.split()[:5]:
        qs = qs.filter(
            Q(kpi__name__icontains=word)
            | Q(kpi__pk__in=kpi_selectors.kpi_ids_named(word))
            | Q(site__name__icontains=word)
            | Q(site__code__iexact=word)
        )
    if month is not None:
        qs = qs.filter(period_start__year=month.year, period_start__month=month.month)
    return list(qs[:limit]), qs.count()


def api_cases(*, user) -> QuerySet:
    """The API's cases: those the user may see, with people, files and escalations."""
    qs = Case.objects.select_related("raised_by", "acknowledged_by").prefetch_related("files", "escalations")
    return policy.scope(user, policy.VIEW, qs)
