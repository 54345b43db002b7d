"""How relations plugs into the shell: navigation, partner hub sections, dashboard panels, meeting
agenda sources, notification kinds and periodic tasks. `register()` (called by
RelationsConfig.ready) does all of it."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from kpis import selectors as kpi_selectors
from meetings import agenda
from partnerportal import dashboard_cache, hub, policy, schedule
from partnerportal.notifications import kinds

from . import demo, health, selectors
from .models import Engagement, EngagementStatus, HealthSnapshot, Kudos

NOTIFICATION_KINDS = (
    ("relations.notice", _("Notices from the other side")),
    ("relations.notice_ack", _("Your notice was acknowledged")),
    ("relations.case", _("New cases")),
    ("relations.case_escalation", _("Case escalations")),
    ("relations.kudos", _("Kudos")),
    ("relations.engagement_reminder", _("Engagement reminders")),
    ("relations.roadmap", _("Roadmap plans shared or rescheduled")),
    ("relations.roadmap_comment", _("Comments on roadmap plans")),
    ("relations.survey", _("Relationship survey invitations")),
    ("relations.survey_reminder", _("Relationship survey reminders")),
)


def _relationship_section(request, partner):
    user = request.user
    snap = selectors.health_current(partner=partner)  # the stored snapshot: one query
    # The three lists in one more query, as light rows, read when the template first shows one of them.
    recent = SimpleLazyObject(lambda: selectors.hub_recent(user=user, partner=partner, notices=5, cases=5, events=8))
    return {
        "title": _("Relationship"),
        "score": snap.score,
        "parts": health.parts_of(snap),
        "notices": SimpleLazyObject(lambda: recent["notices"]),
        "cases": SimpleLazyObject(lambda: recent["cases"]),
        "timeline": SimpleLazyObject(lambda: recent["timeline"]),
    }


def _successes_section(request, partner):
    items = selectors.successes(user=request.user, partner=partner, limit=5, per_kind=True)
    return {
        "title": _("Successes"),
        "kudos": [i for i in items if i["kind"] == "kudos"][:5],
        "detected": [i for i in items if i["kind"] == "kpi"][:5],
        "can_add": policy.allows(request.user, policy.ADD, Kudos),
    }


def _engagements_section(request, partner):
    now = timezone.now()
    engagements = selectors.engagement_list(user=request.user, partner=partner)
    return {
        "title": _("Engagements"),
        "upcoming": engagements.filter(starts_at__gte=now, status=EngagementStatus.PLANNED).order_by("starts_at")[:5],
        "recent": engagements.filter(starts_at__lt=now).order_by("-starts_at")[:5],
        "can_add": policy.allows(request.user, policy.ADD, Engagement),
    }


def _roadmap_section(request, partner):
    items = selectors.roadmap_list(user=request.user, partner=partner)[:6]
    return {"title": _("Shared roadmap"), "items": items}


HEALTH_PANEL_ROWS = 10


def _health_panel(request):
    """The lowest stored scores (one query; partners without a score last), and for host staff a
    link to every partner's score (relations:health_list)."""
    rows = dashboard_cache.cached("health", request.user, lambda: selectors.health_panel_rows(user=request.user))
    return {"title": _("Relationship health"), "rows": rows, "show_all": policy.is_host(request.user)}


def _successes_panel(request):
    def items():
        since = timezone.now() - timedelta(days=90)
        return selectors.successes(user=request.user, since=since, limit=8)

    return {"title": _("Recent successes"), "items": dashboard_cache.cached("successes", request.user, items)}


def _open_cases(meeting, user):
    return selectors.open_cases_for_agenda(partner=meeting.partner, user=user)


def _open_notices(meeting, user):
    previous = agenda.previous_meeting(meeting)
    since = previous.start if previous is not None else meeting.start - timedelta(days=30)
    return selectors.open_notices_for_agenda(partner=meeting.partner, user=user, since=since)


def _raised_disputes(meeting, user):
    return kpi_selectors.disputes_for_agenda(user=user, partner_id=meeting.partner_id)


def register():
    hub.demo_part("relations", demo.seed, order=50)
    hub.nav_item(_("Notices"), "relations:notice_list", order=40, icon="megaphone", group="relationship")
    hub.nav_item(_("Cases"), "relations:case_list", order=41, icon="life-preserver", group="relationship")
    hub.nav_item(_("Engagements"), "relations:engagement_list", order=42, icon="people", group="relationship")
    hub.nav_item(_("Roadmap"), "relations:roadmap_list", order=43, icon="signpost-split", group="relationship")
    hub.nav_item(_("Surveys"), "relations:survey_list", order=44, icon="ui-checks", group="relationship")

    # Below the agreement and the KPIs: loaded as it scrolls into view (issue 16).
    hub.partner_section(
        "relationship",
        "relations/hub/relationship.html",
        _relationship_section,
        order=30,
        lazy=True,
        title=_("Relationship"),
    )
    hub.partner_section(
        "successes", "relations/hub/successes.html", _successes_section, order=31, lazy=True, title=_("Successes")
    )
    hub.partner_section(
        "engagements",
        "relations/hub/engagements.html",
        _engagements_section,
        order=60,
        lazy=True,
        title=_("Engagements"),
    )
    hub.partner_section(
        "roadmap", "relations/hub/roadmap.html", _roadmap_section, order=70, lazy=True, title=_("Shared roadmap")
    )

    hub.dashboard_panel("health", "relations/hub/health_panel.html", _health_panel, order=20)
    hub.dashboard_panel("successes", "relations/hub/successes_panel.html", _successes_panel, order=40)
    # The panels' figures are kept in the cache until their inputs change (partnerportal.dashboard_cache).
    dashboard_cache.invalidate_on("health", HealthSnapshot, "partners.Organization")
    successes_inputs = (Kudos, "kpis.Success", "kpis.KPIDefinition", "partners.Organization", settings.AUTH_USER_MODEL)
    dashboard_cache.invalidate_on("successes", *successes_inputs, ignore_fields={"last_login"})  # who gave kudos

    agenda.register_source("relations_cases", _("Open cases"), _open_cases)
    agenda.register_source("relations_notices", _("Notices"), _open_notices)
    # Scorecard disputes either side raised to the next meeting (kpis.reviews, issue 18).
    agenda.register_source("kpis_disputes", _("Disputed scorecard figures"), _raised_disputes)

    for key, label in NOTIFICATION_KINDS:
        kinds.register(key, label, always_email=key == "relations.case_escalation")

    schedule.periodic_task("Relations: escalate cases", "relations.tasks.escalate_overdue_cases", 15 * 60)
    schedule.periodic_task("Relations: survey rounds", "relations.tasks.schedule_survey_rounds", 24 * 3600)
    schedule.periodic_task("Relations: survey reminders", "relations.tasks.send_survey_reminders", 24 * 3600)
    schedule.periodic_task("Relations: health snapshots", "relations.tasks.snapshot_health_scores", 24 * 3600)
    # The host KPIs computed from notices and cases (relations.host_kpis): at once on acknowledgement, and
    # daily over the last months (catches up after deletions or a failed write).
    schedule.periodic_task("Relations: host KPIs from portal data", "relations.tasks.refresh_host_kpis", 24 * 3600)
    # The demo's notices and cases get their times after they are saved: compute the host KPIs from them.
    hub.demo_part("relations_host_kpis", _seed_host_kpis, order=55)


def _seed_host_kpis(demo):
    from . import host_kpis

    host_kpis.refresh_all(months=12)
