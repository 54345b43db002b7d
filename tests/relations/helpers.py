"""Objects for the relations tests, created through the services like users would."""

from datetime import date, timedelta

from django.utils import timezone

from partnerportal import policy
from relations import services
from relations.models import Engagement, EngagementKind, RoadmapItem


def notice(world, partner, *, by=None, **kwargs):
    by = by or (world.a_manager if partner == world.partner_a else world.b_manager)
    values = {
        "kind": "delivery_delay",
        "severity": "medium",
        "title": f"Delay at {partner.name}",
        "affected_from": timezone.now() + timedelta(hours=20),
    }
    values.update(kwargs)
    return services.notice_post(user=by, partner=partner, **values)


def case(world, partner, *, by=None, **kwargs):
    by = by or world.manager
    values = {"title": f"Missed pick-ups {partner.name}", "what_happened": "Two pick-ups were missed."}
    values.update(kwargs)
    return services.case_raise(user=by, partner=partner, **values)


def engagement(world, partner, **kwargs):
    item = Engagement(
        partner=partner,
        kind=EngagementKind.SITE_VISIT,
        title=f"Visit {partner.name}",
        starts_at=timezone.now() + timedelta(days=10),
        place="Aarhus",
        **kwargs,
    )
    return services.engagement_save(user=world.manager, engagement=item, participants=[world.manager])


def roadmap_item(world, partner=None, **kwargs):
    item = RoadmapItem(title=f"Roadmap {partner.name if partner else 'internal'}", category="automation", **kwargs)
    return services.roadmap_save(user=world.manager, item=item, shared_with=[partner] if partner else [])


def survey(world, partner, *, anonymous=True):
    today = timezone.localdate()
    return services.survey_round_create(
        partner=partner, opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=20), anonymous=anonymous
    )


def kudos(world, partner):
    return services.kudos_give(user=world.manager, partner=partner, title=f"Record week at {partner.name}")


def first_of_month(day: date) -> date:
    return day.replace(day=1)


__all__ = ["policy"]


def shared_measurement(partner, *, code="error-rate", day=None):
    """A measurement of a KPI shared with `partner` (needs the kpis app)."""
    from datetime import date

    from kpis.models import KPIDefinition, Measurement, PartnerKPI

    kpi = KPIDefinition.objects.get(code=code)
    PartnerKPI.objects.get_or_create(partner=partner, kpi=kpi, defaults={"shared": True})
    measurement, _ = Measurement.objects.get_or_create(
        partner=partner,
        kpi=kpi,
        period_kind="month",
        period_start=day or date(2026, 9, 1),
        site=None,
        defaults={"value": 0.9, "numerator": 9, "denominator": 1000},
    )
    return measurement


def roadmap_comment(world, partner):
    """A comment by the partner's manager in their own thread on a plan shared with them."""
    item = roadmap_item(world, partner)
    return services.roadmap_comment(
        user=world.user("partner_manager", partner), item=item, body=f"Comment from {partner.name}"
    )


def health_snapshot(world, partner):
    from relations import health

    return health.snapshot(partner, timezone.localdate())


def timeline_event(world, partner, *, internal=False):
    from relations import timeline
    from relations.models import TimelineCategory

    label = "Internal note" if internal else "Milestone"
    return timeline.record(
        partner=partner,
        category=TimelineCategory.SUCCESS,
        title=f"{label} {partner.name}",
        key=f"test:{partner.pk}:{label}",
        internal=internal,
    )
