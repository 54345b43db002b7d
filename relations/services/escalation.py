"""Case escalation: the ladder of the partner's active agreement (or the default one) and the periodic climb."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from agreements import selectors as agreement_selectors
from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify
from partners.selectors import host_managers, people_of

from .. import timeline
from ..models import Case, CaseEscalation, CaseStatus, TimelineCategory

DEFAULT_RESPONSE_HOURS = 24  # when no active agreement names a response time for cases

# The topics of the agreement's channel matrix (agreements' Topic keys) that give a case its
# response time, most specific first.
CASE_TOPICS = ("escalations", "quality_deviations", "daily_operations")


def case_response_hours(partner) -> float:
    """Hours a case may wait for an answer: the active agreement's response time for cases, else 24."""
    rule = agreement_selectors.channel_rule(partner=partner, topics=CASE_TOPICS)
    if rule is None or not rule.response_hours:
        return DEFAULT_RESPONSE_HOURS
    return float(rule.response_hours)


@dataclass
class LadderStep:
    level: int
    after_hours: float  # hours without progress after which this level is escalated
    users: list
    target: str


def escalation_ladder(partner) -> list[LadderStep]:
    """When each escalation level is due, counted from the case's last progress.

    With an active agreement: level N is due after the response time for cases plus the step's
    "after hours"; the step's user is notified (a contact without a login is named in the message,
    and the host's warehouse managers are notified in their place). Without an agreement (the
    default): level 1 (host warehouse managers and the partner's managers) after the response time
    (24 h); level 2 (the host's admins) after twice the response time.
    """
    hours = case_response_hours(partner)
    version = agreement_selectors.active_version(partner)
    warehouse_managers = host_managers().filter(policy.warehouse_managers())
    steps = []
    if version is not None:
        for step in version.escalationstep_set.select_related("user", "contact").order_by("level"):
            users = [step.user] if step.user_id else list(warehouse_managers)
            steps.append(LadderStep(int(step.level), hours + float(step.after_hours), users, str(step.person or "")))
    if steps:
        return steps
    level1 = list(warehouse_managers) + list(people_of(organization=partner, who=policy.partner_managers()))
    admins = list(host_managers().filter(policy.administrators()))
    return [
        LadderStep(1, hours, level1, "warehouse managers"),
        LadderStep(2, hours * 2, admins or list(host_managers()), "administrators"),
    ]


def escalate_overdue_cases(*, now=None) -> list[CaseEscalation]:
    """Climb the escalation ladder for open cases not acknowledged or not progressing in time (once
    per level). Until the other side acknowledges a case, its clock runs from when it was raised:
    updates by the side that raised it do not hold the escalation back."""
    now = now or timezone.now()
    created = []
    for case in Case.objects.exclude(status=CaseStatus.RESOLVED).select_related("partner"):
        waiting_since = case.last_progress_at
        if case.acknowledged_at is None:
            waiting_since = min(waiting_since, case.raised_at)
        idle_hours = (now - waiting_since).total_seconds() / 3600
        done_levels = set(case.escalations.values_list("level", flat=True))
        for step in escalation_ladder(case.partner):
            if step.level in done_levels or idle_hours < step.after_hours:
                continue
            try:
                with transaction.atomic():
                    escalation = CaseEscalation.objects.create(
                        case=case, level=step.level, target=step.target[:200], escalated_at=now
                    )
            except IntegrityError:
                continue  # another worker escalated this level already
            notify(
                recipients=step.users,
                kind="relations.case_escalation",
                key=f"case:{case.pk}:escalation:{step.level}",
                template="relations/email/case_escalated",
                context={
                    "case": case,
                    "level": step.level,
                    "hours": round(idle_hours),
                    "unacknowledged": case.acknowledged_at is None,
                    "url": absolute("relations:case_detail", case.pk),
                },
                url=case.get_absolute_url(),
                partner=case.partner,
                email=True,
            )
            timeline.record(
                partner=case.partner,
                category=TimelineCategory.CASE,
                title=gettext_noop("Case %(title)s escalated to level %(level)d"),
                params={"title": case.title, "level": step.level},
                key=f"case:{case.pk}:escalation:{step.level}",
                url=case.get_absolute_url(),
                occurred_at=now,
                internal=True,
            )
            created.append(escalation)
    return created
