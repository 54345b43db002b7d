"""Writes of the relationship practices: every use case in one keyword-only function.

Views, the API, Celery tasks and the demo call these; the rules live here once.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from partnerportal import formats, policy, uploads
from partnerportal.links import absolute
from partnerportal.notifications.models import Notification
from partnerportal.notifications.services import notify, reschedule, withdraw
from partners.models import Organization
from partners.selectors import host_managers, people_of

from . import integrations, timeline
from .models import (
    ALLOWED_FILE_EXTENSIONS,
    CASE_FLOW,
    MAX_FILE_BYTES,
    Case,
    CaseEscalation,
    CaseEvent,
    CaseFile,
    CaseStatus,
    Engagement,
    EngagementFile,
    EngagementKind,
    EngagementStatus,
    Kudos,
    Notice,
    RoadmapComment,
    RoadmapItem,
    Severity,
    Side,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
    TimelineCategory,
    side_of,
)

ENGAGEMENT_REMINDER = timedelta(days=2)
SURVEY_REMINDER_AFTER = timedelta(days=7)


def english_label(choices, value) -> str:
    """The untranslated label of a choice: stored in timeline params, translated when shown."""
    from django.utils import translation

    with translation.override("en"):
        return str(choices(value).label)


def _require(user, action, model):
    if not policy.allows(user, action, model):
        raise PermissionDenied


def _require_partner(user, partner) -> Organization:
    """The partner must be one the user may see (a partner user: only their own)."""
    if partner is None or partner.is_host:
        raise ValidationError({"partner": _("Choose a partner organisation.")})
    if not policy.scope(user, policy.VIEW, Organization).filter(pk=partner.pk).exists():
        raise PermissionDenied
    return partner


def other_side_people(*, partner, side):
    """Who is on the other side of something posted by `side` (notification recipients)."""
    if side == Side.HOST:
        return list(people_of(organization=partner))
    return list(host_managers())


# --- Notices ---------------------------------------------------------------------------------


@transaction.atomic
def notice_post(
    *,
    user,
    partner,
    kind,
    severity,
    title,
    affected_from,
    affected_until=None,
    description="",
    mitigation="",
) -> Notice:
    _require(user, policy.ADD, Notice)
    _require_partner(user, partner)
    notice = Notice(
        partner=partner,
        side=side_of(user),
        kind=kind,
        severity=severity,
        title=title,
        description=description,
        affected_from=affected_from,
        affected_until=affected_until,
        mitigation=mitigation,
        posted_by=user,
        posted_at=timezone.now(),
    )
    notice.full_clean()
    notice.save()
    channel_email = integrations.channel_wants_email(partner, kind)
    # High severity (or the channel matrix) asks for an e-mail; a person who switched notice
    # e-mails off on their preferences page still gets none (email=None follows the preference).
    email = None if severity == Severity.HIGH or channel_email is True else False
    notify(
        recipients=other_side_people(partner=partner, side=notice.side),
        kind="relations.notice",
        key=f"notice:{notice.pk}:posted",
        template="relations/email/notice",
        context={"notice": notice, "url": absolute("relations:notice_detail", notice.pk)},
        url=reverse("relations:notice_detail", args=[notice.pk]),
        partner=partner,
        email=email,
    )
    timeline.record(
        partner=partner,
        category=TimelineCategory.NOTICE,
        title=gettext_noop("Notice: %(title)s"),
        params={"title": notice.title},
        key=f"notice:{notice.pk}:posted",
        url=notice.get_absolute_url(),
        occurred_at=notice.posted_at,
    )
    return notice


@transaction.atomic
def notice_acknowledge(*, user, notice) -> Notice:
    """The other side confirms it has seen the notice (once; who and when are kept)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if not policy.allows(user, "acknowledge", Notice):
        raise PermissionDenied  # the role may not acknowledge at all (a partner viewer)
    if notice.acknowledged_at is not None:
        raise ValidationError(_("This notice was already acknowledged by %(name)s.") % {"name": notice.acknowledged_by})
    if notice.side == side_of(user):
        raise ValidationError(_("Your side posted this notice; the other side acknowledges it."))
    policy.require(user, "acknowledge", notice)
    notice.acknowledged_by = user
    notice.acknowledged_at = timezone.now()
    notice.save(update_fields=["acknowledged_by", "acknowledged_at"])
    notify(
        recipients=[notice.posted_by],
        kind="relations.notice_ack",
        key=f"notice:{notice.pk}:acknowledged",
        template="relations/email/notice_ack",
        context={"notice": notice, "url": absolute("relations:notice_detail", notice.pk)},
        url=notice.get_absolute_url(),
        partner=notice.partner,
        email=False,
    )
    return notice


# --- Cases -----------------------------------------------------------------------------------


def _case_event(case, user, from_status, to_status, note=""):
    CaseEvent.objects.create(case=case, user=user, from_status=from_status, to_status=to_status, note=note[:500])
    timeline.record(
        partner=case.partner,
        category=TimelineCategory.CASE,
        title=gettext_noop("Case %(title)s: %(status_label)s"),
        params={"title": case.title, "status_label": english_label(CaseStatus, to_status)},
        key=f"case:{case.pk}:status:{CaseEvent.objects.filter(case=case).count()}",
        url=case.get_absolute_url(),
    )


@transaction.atomic
def case_raise(*, user, partner, title, what_happened, impact="", measurements=()) -> Case:
    _require(user, policy.ADD, Case)
    _require_partner(user, partner)
    now = timezone.now()
    case = Case(
        partner=partner,
        side=side_of(user),
        title=title,
        what_happened=what_happened,
        impact=impact,
        raised_by=user,
        raised_at=now,
        last_progress_at=now,
    )
    case.full_clean()
    case.save()
    CaseEvent.objects.create(case=case, user=user, from_status="", to_status=CaseStatus.OPEN)
    for measurement in measurements:
        case_link_measurement(user=user, case=case, measurement=measurement)
    notify(
        recipients=other_side_people(partner=partner, side=case.side),
        kind="relations.case",
        key=f"case:{case.pk}:raised",
        template="relations/email/case_raised",
        context={"case": case, "url": absolute("relations:case_detail", case.pk)},
        url=case.get_absolute_url(),
        partner=partner,
    )
    timeline.record(
        partner=partner,
        category=TimelineCategory.CASE,
        title=gettext_noop("Case raised: %(title)s"),
        params={"title": case.title},
        key=f"case:{case.pk}:raised",
        url=case.get_absolute_url(),
        occurred_at=now,
    )
    return case


CASE_TEXT_FIELDS = ("title", "what_happened", "impact", "root_cause", "prevention", "no_action_reason")


@transaction.atomic
def case_update(*, user, case, **fields) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not policy.can(user, policy.CHANGE, case):
        raise PermissionDenied
    unknown = set(fields) - set(CASE_TEXT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    changed = {name: value for name, value in fields.items() if getattr(case, name) != value}
    if not changed:
        return case  # saved unchanged: no progress to record
    for name, value in changed.items():
        setattr(case, name, value)
    case.last_progress_at = timezone.now()
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def case_acknowledge(*, user, case) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not policy.allows(user, "acknowledge", Case):
        raise PermissionDenied  # the role may not acknowledge at all (a partner viewer)
    if case.acknowledged_at is not None:
        raise ValidationError(_("This case was already acknowledged by %(name)s.") % {"name": case.acknowledged_by})
    if case.side == side_of(user):
        raise ValidationError(_("Your side raised this case; the other side acknowledges it."))
    policy.require(user, "acknowledge", case)
    case.acknowledged_by = user
    case.acknowledged_at = case.last_progress_at = timezone.now()
    case.save(update_fields=["acknowledged_by", "acknowledged_at", "last_progress_at"])
    return case


def case_action_count(case) -> int:
    manager = getattr(case, "action_items", None)
    return manager.count() if manager is not None else 0


def case_resolution_problems(case) -> list[str]:
    """Why the case cannot be resolved yet (empty: it can)."""
    problems = []
    if not case.prevention.strip():
        problems.append(_("Describe how we avoid it next time before resolving the case."))
    if case_action_count(case) == 0 and not case.no_action_reason.strip():
        problems.append(_("Agree at least one action item, or document the decision that none is needed."))
    return problems


@transaction.atomic
def case_set_status(*, user, case, status, note="") -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not policy.can(user, policy.CHANGE, case):
        raise PermissionDenied
    if status not in CaseStatus.values:
        raise ValidationError(_("Unknown status."))
    if status not in CASE_FLOW[CaseStatus(case.status)]:
        raise ValidationError(
            _("A case cannot go from %(a)s to %(b)s.")
            % {"a": CaseStatus(case.status).label, "b": CaseStatus(status).label}
        )
    if status == CaseStatus.RESOLVED:
        problems = case_resolution_problems(case)
        if problems:
            raise ValidationError(problems)
    previous = case.status
    now = timezone.now()
    case.status = status
    case.last_progress_at = now
    case.resolved_at = now if status == CaseStatus.RESOLVED else None
    if case.acknowledged_at is None and side_of(user) != case.side:
        case.acknowledged_by, case.acknowledged_at = user, now
    case.full_clean()
    case.save()
    _case_event(case, user, previous, status, note)
    return case


def validate_upload(uploaded) -> str:
    """Allowed type (extension and content) and size; returns the clean file name."""
    name = os.path.basename(uploaded.name or "")[:200]
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in ALLOWED_FILE_EXTENSIONS:
        raise ValidationError(
            _("Files of type “%(ext)s” are not allowed. Allowed: %(allowed)s.")
            % {"ext": extension or "?", "allowed": ", ".join(ALLOWED_FILE_EXTENSIONS)}
        )
    if uploaded.size > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)d MB); the limit is %(limit)d MB.")
            % {"size": -(-uploaded.size // (1024 * 1024)), "limit": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."))
    head = uploaded.read(8)
    uploaded.seek(0)
    signatures = {
        "pdf": (b"%PDF",),
        "png": (b"\x89PNG",),
        "jpg": (b"\xff\xd8\xff",),
        "jpeg": (b"\xff\xd8\xff",),
        "xlsx": (b"PK\x03\x04",),
        "docx": (b"PK\x03\x04",),
    }
    if extension in signatures and not head.startswith(signatures[extension]):
        raise ValidationError(_("The file's content does not match its type “%(ext)s”.") % {"ext": extension})
    if extension in ("csv", "txt"):
        sample = uploaded.read(4096)
        uploaded.seek(0)
        if b"\x00" in sample:
            raise ValidationError(_("The file's content does not match its type “%(ext)s”.") % {"ext": extension})
    return name


@transaction.atomic
def case_attach_file(*, user, case, uploaded) -> CaseFile:
    if not policy.can(user, policy.VIEW, case):
        raise PermissionDenied
    _require(user, policy.ADD, CaseFile)
    name = validate_upload(uploaded)
    attachment = CaseFile(case=case, name=name, size=uploaded.size, uploaded_by=user)
    uploads.save_with_file(attachment, "file", name, uploaded)
    return attachment


@transaction.atomic
def case_link_measurement(*, user, case, measurement) -> None:
    if not policy.can(user, policy.CHANGE, case):
        raise PermissionDenied
    if getattr(measurement, "partner_id", None) != case.partner_id:
        raise ValidationError(_("The measurement belongs to another partner."))
    manager = getattr(case, "measurements", None)
    if manager is None:
        raise ValidationError(_("Measurements cannot be linked yet."))
    manager.add(measurement)


@transaction.atomic
def case_agree_action(*, user, case, title, owner, due_date):
    """Agree an action item on the case (a meetings.ActionItem, so it shows in meetings too)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    policy.require(user, "agree_action", case)
    if getattr(case, "action_items", None) is None:
        raise ValidationError(_("Action items are not available yet."))
    if owner is None or not (owner.organization_id in (case.partner_id,) or policy.is_host(owner)):
        raise ValidationError({"owner": _("The owner must be someone from the host or this partner.")})
    from meetings import services as meeting_services

    item = meeting_services.action_item_create(
        user=user, partner=case.partner, title=title, owner=owner, due_date=due_date
    )
    case.action_items.add(item)
    case.last_progress_at = timezone.now()
    case.save(update_fields=["last_progress_at"])
    return item


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
        for step in integrations.escalation_ladder(case.partner):
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


# --- Kudos -----------------------------------------------------------------------------------


@transaction.atomic
def kudos_give(*, user, partner, title, message="") -> Kudos:
    _require(user, policy.ADD, Kudos)
    _require_partner(user, partner)
    kudos = Kudos(partner=partner, side=side_of(user), title=title, message=message, given_by=user)
    kudos.full_clean()
    kudos.save()
    notify(
        recipients=other_side_people(partner=partner, side=kudos.side),
        kind="relations.kudos",
        key=f"kudos:{kudos.pk}",
        template="relations/email/kudos",
        context={"kudos": kudos, "url": absolute("partners:detail", partner.pk)},
        url=reverse("partners:detail", args=[partner.pk]),
        partner=partner,
        email=False,
    )
    timeline.record(
        partner=partner,
        category=TimelineCategory.SUCCESS,
        title=gettext_noop("Kudos: %(title)s"),
        params={"title": title},
        key=f"kudos:{kudos.pk}",
        url=reverse("partners:detail", args=[partner.pk]) + "#section-successes",
        occurred_at=kudos.given_at,
    )
    return kudos


# --- Engagements -----------------------------------------------------------------------------


def _engagement_reminder(engagement):
    key = f"engagement:{engagement.pk}:reminder:2d"
    if engagement.status != EngagementStatus.PLANNED:
        withdraw(key_prefix=f"engagement:{engagement.pk}:reminder")
        return
    send_at = max(engagement.starts_at - ENGAGEMENT_REMINDER, timezone.now())
    if engagement.starts_at <= timezone.now():
        return
    reschedule(key=key, send_at=send_at)
    notify(
        recipients=engagement.participants.all(),
        kind="relations.engagement_reminder",
        key=key,
        template="relations/email/engagement_reminder",
        context={"engagement": engagement, "url": absolute("relations:engagement_detail", engagement.pk)},
        url=engagement.get_absolute_url(),
        partner=engagement.partner,
        send_at=send_at,
    )


@transaction.atomic
def engagement_save(*, user, engagement, participants=None) -> Engagement:
    _require(user, policy.CHANGE if engagement.pk else policy.ADD, Engagement)
    _require_partner(user, engagement.partner)
    creating = engagement.pk is None
    if creating:
        engagement.created_by = user
    engagement.full_clean()
    engagement.save()
    if participants is not None:
        allowed = [p for p in participants if policy.is_host(p) or p.organization_id == engagement.partner_id]
        if len(allowed) != len(list(participants)):
            raise ValidationError({"participants": _("Participants come from the host or this partner.")})
        engagement.participants.set(allowed)
    _engagement_reminder(engagement)
    timeline.record(
        partner=engagement.partner,
        category=TimelineCategory.ENGAGEMENT,
        title=gettext_noop("%(title)s (%(kind_label)s, %(status_label)s)"),
        params={
            "kind_label": english_label(EngagementKind, engagement.kind),
            "title": engagement.title,
            "status_label": english_label(EngagementStatus, engagement.status),
        },
        key=f"engagement:{engagement.pk}",
        url=engagement.get_absolute_url(),
        occurred_at=engagement.starts_at,
    )
    return engagement


@transaction.atomic
def engagement_attach_file(*, user, engagement, uploaded) -> EngagementFile:
    if not policy.can(user, policy.CHANGE, engagement):
        raise PermissionDenied
    name = validate_upload(uploaded)
    attachment = EngagementFile(engagement=engagement, name=name, size=uploaded.size, uploaded_by=user)
    uploads.save_with_file(attachment, "file", name, uploaded)
    return attachment


# --- Roadmap ---------------------------------------------------------------------------------


def _check_sharing(shared_with, before: set[int]) -> list[Organization]:
    """Only partner organisations; a partner newly added must be active (one already shared may stay)."""
    partners = list(dict.fromkeys(shared_with))
    if any(p.is_host for p in partners):
        raise ValidationError({"shared_with": _("A plan is shared with partner organisations, not the host.")})
    inactive = [p.name for p in partners if not p.is_active and p.pk not in before]
    if inactive:
        raise ValidationError(
            {
                "shared_with": _("These partners are not active and cannot be chosen: %(names)s.")
                % {"names": ", ".join(inactive)}
            }
        )
    return partners


@transaction.atomic
def roadmap_save(*, user, item, shared_with=None) -> RoadmapItem:
    """Save a plan; `shared_with` (if given) replaces the partners who see it.

    Each newly added partner's people are told once (in their own language); a partner removed
    loses sight of the plan at once and its pending news about the plan is withdrawn.
    """
    _require(user, policy.CHANGE if item.pk else policy.ADD, RoadmapItem)
    # The row lock makes concurrent saves take turns, so "newly added" is decided once per partner.
    previous = RoadmapItem.objects.select_for_update().filter(pk=item.pk).first() if item.pk else None
    before = set(previous.shared_with.values_list("pk", flat=True)) if previous else set()
    partners = _check_sharing(shared_with, before) if shared_with is not None else None
    if not item.pk:
        item.created_by = user
    item.full_clean()
    item.save()
    if partners is not None:
        item.shared_with.set(partners)
    now_shared = list(item.shared_with.all())
    for removed in before - {p.pk for p in now_shared}:
        withdraw(key_prefix=f"roadmap:{item.pk}:{removed}:")
    timing_changed = previous is not None and (previous.starts_on != item.starts_on or previous.ends_on != item.ends_on)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    for partner in now_shared:
        newly = partner.pk not in before
        if not (newly or timing_changed):
            continue
        event = "shared" if newly else f"timing:{item.starts_on}:{item.ends_on}"
        key = f"roadmap:{item.pk}:{partner.pk}:{event}"
        if newly and Notification.objects.filter(key=key).exists():
            key = f"{key}:{stamp}"  # shared again after being removed: told again
        notify(
            recipients=people_of(organization=partner),
            kind="relations.roadmap",
            key=key,
            template="relations/email/roadmap",
            context={"item": item, "newly": newly, "url": absolute("relations:roadmap_detail", item.pk)},
            url=item.get_absolute_url(),
            partner=partner,
        )
        timeline.record(
            partner=partner,
            category=TimelineCategory.ROADMAP,
            title=gettext_noop("Plan shared: %(title)s") if newly else gettext_noop("Plan timing changed: %(title)s"),
            params={"title": item.title},
            key=f"{key}:{stamp if not newly else ''}",
            url=item.get_absolute_url(),
        )
    return item


@transaction.atomic
def roadmap_comment(*, user, item, body, is_idea=False, partner=None) -> RoadmapComment:
    """A partner comments in their own thread; host staff answer in a chosen partner's thread."""
    _require(user, policy.ADD, RoadmapComment)
    if not policy.can(user, policy.VIEW, item):
        raise PermissionDenied
    if policy.is_partner(user):
        partner = user.organization
    if partner is None or not item.shared_with.filter(pk=partner.pk).exists():
        raise ValidationError(_("The plan is not shared with this partner."))
    comment = RoadmapComment(item=item, partner=partner, author=user, body=body, is_idea=is_idea)
    comment.full_clean()
    comment.save()
    notify(
        recipients=other_side_people(partner=partner, side=side_of(user)),
        kind="relations.roadmap_comment",
        key=f"roadmap-comment:{comment.pk}",
        template="relations/email/roadmap_comment",
        context={"item": item, "comment": comment, "url": absolute("relations:roadmap_detail", item.pk)},
        url=item.get_absolute_url(),
        partner=partner,
        email=False,
    )
    return comment


# --- Surveys ---------------------------------------------------------------------------------


def current_questions() -> list[dict]:
    return [
        {"key": q.key, "en": q.text_en, "da": q.text_da}
        for q in SurveyQuestion.objects.filter(active=True).order_by("order", "id")
    ]


@transaction.atomic
def survey_round_create(*, partner, opens_on: date, closes_on: date, anonymous=True, title="", user=None):
    if user is not None:
        _require(user, policy.ADD, SurveyRound)
    survey = SurveyRound(
        partner=partner,
        title=title
        or _("Relationship survey %(partner)s %(date)s") % {"partner": partner, "date": formats.short_day(opens_on)},
        opens_on=opens_on,
        closes_on=closes_on,
        anonymous=anonymous,
        questions=current_questions(),
    )
    survey.full_clean()
    survey.save()
    people = [(u, Side.HOST) for u in host_managers()] + [(u, Side.PARTNER) for u in people_of(organization=partner)]
    SurveyInvitation.objects.bulk_create([SurveyInvitation(round=survey, user=u, side=s) for u, s in people])
    send_at = timezone.make_aware(datetime.combine(opens_on, time(8, 0)))
    notify(
        recipients=[u for u, _s in people],
        kind="relations.survey",
        key=f"survey:{survey.pk}:invite",
        template="relations/email/survey_invite",
        context={"survey": survey, "url": absolute("relations:survey_answer", survey.pk)},
        url=reverse("relations:survey_answer", args=[survey.pk]),
        partner=partner,
        send_at=max(send_at, timezone.now()),
    )
    timeline.record(
        partner=partner,
        category=TimelineCategory.SURVEY,
        title=gettext_noop("Survey opened: %(title)s"),
        params={"title": survey.title},
        key=f"survey:{survey.pk}",
        url=survey.get_absolute_url(),
        occurred_at=send_at,
    )
    return survey


@transaction.atomic
def survey_answer(*, user, survey, scores: dict, comment="") -> None:
    invitation = SurveyInvitation.objects.select_for_update().filter(round=survey, user=user).first()
    if invitation is None:
        raise PermissionDenied
    if invitation.answered:
        raise ValidationError(_("You have already answered this survey. Your answer was kept as it was."))
    if not survey.is_open():
        raise ValidationError(_("This survey is closed."))
    clean = {}
    for question in survey.questions:
        value = scores.get(question["key"])
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = None
        if value is None or not 1 <= value <= 5:
            raise ValidationError({question["key"]: _("Choose a value from 1 to 5.")})
        clean[question["key"]] = value
    SurveyResponse.objects.create(
        round=survey,
        side=invitation.side,
        respondent=None if survey.anonymous else user,
        scores=clean,
        comment=comment.strip(),
        submitted_on=timezone.localdate(),
    )
    invitation.answered = True
    invitation.save(update_fields=["answered"])


def survey_send_reminders(*, today=None) -> int:
    """Remind invitees of open rounds, once, a week after opening.

    A named round reminds those who have not answered. An anonymous round reminds everyone it
    invited ("if you have already answered, thank you"): reminder rows only for those who have not
    answered would be a list, in every outbox and inbox, of who has not answered yet.
    """
    today = today or timezone.localdate()
    count = 0
    rounds = SurveyRound.objects.filter(opens_on__lte=today - SURVEY_REMINDER_AFTER, closes_on__gte=today)
    for survey in rounds:
        invitations = survey.invitations.select_related("user")
        if not survey.anonymous:
            invitations = invitations.filter(answered=False)
        count += len(
            notify(
                recipients=[i.user for i in invitations],
                kind="relations.survey_reminder",
                key=f"survey:{survey.pk}:reminder",
                template="relations/email/survey_reminder_all"
                if survey.anonymous
                else "relations/email/survey_reminder",
                context={"survey": survey, "url": absolute("relations:survey_answer", survey.pk)},
                url=reverse("relations:survey_answer", args=[survey.pk]),
                partner=survey.partner,
            )
        )
    return count


def schedule_survey_rounds(*, today=None, every_months=3, open_days=21) -> list[SurveyRound]:
    """Open a new round for every active partner whose last one is a quarter old (or missing).

    The round opens on the day it was due, not on the day this run happens to come: a run missed
    while the broker was down is caught up by the next one without shifting the quarterly rhythm
    (a round due so long ago that it would be over already opens today instead)."""
    from dateutil.relativedelta import relativedelta

    today = today or timezone.localdate()
    created = []
    for partner in Organization.objects.partners().filter(is_active=True):
        last = SurveyRound.objects.filter(partner=partner).order_by("-opens_on").first()
        due = today if last is None else last.opens_on + relativedelta(months=every_months)
        if due > today:
            continue
        opens_on = due if due + timedelta(days=open_days) > today else today
        created.append(
            survey_round_create(
                partner=partner, opens_on=opens_on, closes_on=opens_on + timedelta(days=open_days), anonymous=True
            )
        )
    return created
