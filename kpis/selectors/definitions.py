"""KPI definitions and the partner KPIs (assignments) a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from partnerportal import policy

from ..models import KPIDefinition, MeasuredFrom, PartnerKPI


def visible_partner_kpis(*, user, partner=None, people: bool = True) -> QuerySet:
    """The partner KPIs the user may see; `people=False` leaves out the responsible users."""
    related = ("kpi", "partner", "responsible_host", "responsible_partner") if people else ("kpi", "partner")
    qs = policy.scope(user, policy.VIEW, PartnerKPI).select_related(*related)
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs.order_by("partner__name", "-kpi__is_standard", "kpi__name")


def definitions_for(*, user) -> QuerySet:
    """Definitions a user may read: all for host staff, those of their shared assignments for partners."""
    if policy.allows(user, policy.VIEW, KPIDefinition):
        return KPIDefinition.objects.all()
    shared = policy.scope(user, policy.VIEW, PartnerKPI).values("kpi_id")
    return KPIDefinition.objects.filter(pk__in=shared, is_active=True)


def kpi_ids_named(word: str) -> list[int]:
    """Ids of the KPIs whose name in the reader's language holds `word` (standard KPIs are translated)."""
    word = word.lower()
    return [k.pk for k in KPIDefinition.objects.all() if word in k.display_name.lower()]


def definitions_by_id(ids) -> dict[int, KPIDefinition]:
    """KPI definitions by primary key (names and units to show; no access check: definitions are public)."""
    return KPIDefinition.objects.in_bulk(list(ids))


def definition_for(*, user, pk, action=policy.VIEW) -> KPIDefinition:
    """One KPI definition for `action`: 404 outside the user's view scope, 403 if only viewable."""
    return policy.get_object(user, action, KPIDefinition, pk=pk)


def partner_kpi_for(*, user, pk, action=policy.VIEW) -> PartnerKPI:
    """One partner KPI with its KPI and partner for `action`: 404 out of view scope, 403 if only viewable."""
    return policy.get_object(user, action, PartnerKPI.objects.select_related("kpi", "partner"), pk=pk)


def submittable_partner_kpis(*, user, partner) -> QuerySet:
    """The partner's active KPIs the user may submit measurements for."""
    return policy.scope(user, "submit", PartnerKPI).filter(partner=partner, kpi__is_active=True)


def definitions_of(assignments) -> QuerySet:
    """The KPI definitions of these partner KPIs."""
    return KPIDefinition.objects.filter(pk__in=[a.kpi_id for a in assignments])


def assignable_definitions(*, partner, assignment_pk=None) -> QuerySet:
    """Active KPI definitions not yet assigned to the partner (besides the assignment `assignment_pk`)."""
    taken = PartnerKPI.objects.filter(partner=partner).exclude(pk=assignment_pk).values("kpi")
    return KPIDefinition.objects.filter(is_active=True).exclude(pk__in=taken)


def all_partner_kpis() -> QuerySet:
    """Every partner KPI with its KPI, not yet restricted by the access policy (the API scopes it)."""
    return PartnerKPI.objects.select_related("kpi")


def computed_assignments(*, code: str, partner=None) -> QuerySet:
    """The assignments of an active KPI the portal computes from its own data (by its code), with the KPI
    and the partner: for the app that computes it (relations.host_kpis), not for a user's view."""
    qs = PartnerKPI.objects.filter(
        kpi__code=code, kpi__is_active=True, kpi__measured_from=MeasuredFrom.PORTAL
    ).select_related("kpi", "partner")
    return qs if partner is None else qs.filter(partner=partner)
