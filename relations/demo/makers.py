"""Make the demo's notices, cases, engagements and surveys through the services, then move them back in time."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from partnerportal.notifications.models import Notification

from .. import services, timeline
from ..models import (
    Case,
    CaseEvent,
    Engagement,
    Notice,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    TimelineCategory,
    TimelineEvent,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def _quiet(prefix):
    """Old events: their notifications would only clutter the demo inbox."""
    Notification.objects.filter(key__startswith=prefix).delete()


def _notices(now, partner, host_user, partner_user, items):
    for days_ago, kind, severity, title, by_partner, lead_h, ack_h, mitigation in items:
        if Notice.objects.filter(partner=partner, title=title).exists():
            continue
        author = partner_user if by_partner else host_user
        acker = host_user if by_partner else partner_user
        posted = now - days_ago * DAY
        notice = services.notice_post(
            user=author,
            partner=partner,
            kind=kind,
            severity=severity,
            title=title,
            affected_from=posted + lead_h * HOUR,
            affected_until=posted + (lead_h + 8) * HOUR,
            description="",
            mitigation=mitigation,
        )
        updates = {"posted_at": posted}
        if ack_h is not None:
            updates.update(acknowledged_by=acker, acknowledged_at=posted + ack_h * HOUR)
        Notice.objects.filter(pk=notice.pk).update(**updates)
        timeline.record(
            partner=partner,
            category=TimelineCategory.NOTICE,
            title="Notice: %(title)s",
            params={"title": title},
            key=f"notice:{notice.pk}:posted",
            url=notice.get_absolute_url(),
            occurred_at=posted,
        )
        if days_ago > 3:
            _quiet(f"notice:{notice.pk}:")


def _case(now, partner, users, *, title, days_ago, what, impact, root, prevention, resolve_after=None, stage="open"):
    if Case.objects.filter(partner=partner, title=title).exists():
        return None
    manager, partner_user = users
    case = services.case_raise(user=manager, partner=partner, title=title, what_happened=what, impact=impact)
    raised = now - days_ago * DAY
    steps = {
        "open": [],
        "investigating": ["investigating"],
        "actions_agreed": ["investigating", "actions_agreed"],
        "resolved": ["investigating", "actions_agreed", "resolved"],
    }[stage]
    if stage != "open":
        services.case_update(user=manager, case=case, root_cause=root, prevention=prevention)
        if stage in ("actions_agreed", "resolved"):
            item = services.case_agree_action(
                user=manager,
                case=case,
                title=f"{prevention[:150]}",
                owner=partner_user,
                due_date=(raised + (resolve_after or 21) * DAY).date(),
            )
            if stage == "resolved":
                type(item).objects.filter(pk=item.pk).update(
                    status="done", done_at=raised + (resolve_after or 21) * DAY
                )
            _quiet(f"action:{item.pk}:")
        elif stage == "resolved":
            services.case_update(
                user=manager,
                case=case,
                no_action_reason="Aftalt på statusmødet: den nye rutine er handlingen; den følges op hver måned.",
            )
    for status in steps:
        services.case_set_status(user=partner_user, case=case, status=status)
    total = resolve_after or max(1, days_ago // 2)
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    for index, event in enumerate(events):
        at = raised + (total * index / max(1, len(events) - 1)) * DAY if index else raised
        CaseEvent.objects.filter(pk=event.pk).update(at=at)
    last = raised + total * DAY if steps else raised + 2 * HOUR
    Case.objects.filter(pk=case.pk).update(
        raised_at=raised,
        last_progress_at=last if steps else now - 2 * HOUR,
        acknowledged_at=raised + 3 * HOUR if steps else None,
        resolved_at=raised + total * DAY if stage == "resolved" else None,
    )
    TimelineEvent.objects.filter(key=f"case:{case.pk}:raised").update(occurred_at=raised)
    status_lines = sorted(
        TimelineEvent.objects.filter(key__startswith=f"case:{case.pk}:status:"),
        key=lambda e: int(e.key.rsplit(":", 1)[1]),
    )
    for line, event in zip(status_lines, events[1:], strict=False):
        TimelineEvent.objects.filter(pk=line.pk).update(occurred_at=CaseEvent.objects.get(pk=event.pk).at)
    if days_ago > 3:
        _quiet(f"case:{case.pk}:")
    return case


def _engagement(now, partner, manager, partner_user, *, title, kind, days, place, agenda, notes="", learnings=""):
    if Engagement.objects.filter(partner=partner, title=title).exists():
        return
    engagement = Engagement(
        partner=partner,
        kind=kind,
        title=title,
        starts_at=(now + days * DAY).replace(hour=9, minute=0, second=0, microsecond=0),
        place=place,
        agenda=agenda,
        notes=notes,
        learnings=learnings,
        status="held" if days < 0 else "planned",
    )
    services.engagement_save(user=manager, engagement=engagement, participants=[manager, partner_user])
    if days < 0:
        services.engagement_attach_file(
            user=manager,
            engagement=engagement,
            uploaded=ContentFile(f"{title}\n\n{learnings}\n".encode(), name="learnings.txt"),
        )


def _survey(partner, people, *, months_ago, title, answers, anonymous=True):
    if SurveyRound.objects.filter(partner=partner, title=title).exists():
        return
    today = timezone.localdate()
    opens = today - timedelta(days=30 * months_ago)
    survey = services.survey_round_create(
        partner=partner, opens_on=opens, closes_on=opens + timedelta(days=21), anonymous=anonymous, title=title
    )
    _quiet(f"survey:{survey.pk}:")
    for user, side, values in zip(people, [p[1] for p in answers], [p[0] for p in answers], strict=False):
        scores = dict(zip([q["key"] for q in survey.questions], values, strict=True))
        SurveyResponse.objects.create(
            round=survey, side=side, respondent=None if anonymous else user, scores=scores, submitted_on=opens
        )
        SurveyInvitation.objects.filter(round=survey, user=user).update(answered=True)
