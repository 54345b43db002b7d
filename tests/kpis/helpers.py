"""Shared set-up for the KPI tests: KPIs assigned to a partner, targets, a few measurements."""

from datetime import date

from kpis import rollups
from kpis.models import KPIDefinition, KPITarget, Measurement, PartnerKPI

START = date(2025, 1, 1)


def kpi(code) -> KPIDefinition:
    return KPIDefinition.objects.get(code=code)


def internal_kpi() -> KPIDefinition:
    definition, _ = KPIDefinition.objects.get_or_create(
        code="pallets-moved",
        defaults={
            "name": "Pallets moved (internal)",
            "unit": "pallets",
            "direction": "higher",
            "aggregation": "sum",
            "how_measured": "Count of pallet movements.",
            "why_it_matters": "Capacity planning.",
            "min_value": 0,
        },
    )
    return definition


def assign(partner, code, *, shared=True, partner_can_submit=False, target=None, warning=None, critical=None, weight=1):
    assignment, _ = PartnerKPI.objects.get_or_create(
        partner=partner,
        kpi=kpi(code) if isinstance(code, str) else code,
        defaults={"shared": shared, "partner_can_submit": partner_can_submit, "weight": weight},
    )
    if target is not None and not assignment.targets.exists():
        KPITarget.objects.create(
            partner_kpi=assignment, value=target, warning=warning, critical=critical, valid_from=START
        )
    return assignment


def setup_partner(partner):
    """Error rate (shared, partner may submit), delivery time (shared) and an internal KPI."""
    error = assign(partner, "error-rate", partner_can_submit=True, target=1.0, warning=1.5, critical=2.5, weight=2)
    delivery = assign(partner, "delivery-time", target=24, warning=28, critical=36)
    internal = assign(partner, internal_kpi(), shared=False, target=100)
    return error, delivery, internal


def measure(partner, code, day, *, value=None, numerator=None, denominator=None, sample_size=None, site=None):
    definition = kpi(code) if isinstance(code, str) else code
    if value is None and numerator is not None:
        value = numerator / denominator * definition.scale
    m = Measurement.objects.create(
        partner=partner,
        kpi=definition,
        period_kind="day",
        period_start=day,
        site=site,
        value=value,
        numerator=numerator,
        denominator=denominator,
        sample_size=sample_size,
    )
    rollups.refresh([(partner.pk, definition.pk, day)])
    return m
