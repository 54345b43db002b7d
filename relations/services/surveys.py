"""Relationship surveys: create and schedule rounds, answer them and remind the people invited."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from partnerportal import formats, policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify
from partners.selectors import active_partners, host_managers, people_of

from .. import timeline
from ..models import Side, SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyRound, TimelineCategory
from .base import require

SURVEY_REMINDER_AFTER = timedelta(days=7)


def current_questions() -> list[dict]:
    return [
        {"key": q.key, "en": q.text_en, "da": q.text_da}
        for q in SurveyQuestion.objects.filter(active=True).order_by("order", "id")
    ]


@transaction.atomic
def survey_round_create(*, partner, opens_on: date, closes_on: date, anonymous=True, title="", user=None):
    if user is not None:
        require(user, policy.ADD, SurveyRound)
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
    for partner in active_partners():
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


# The default question template (as relations/migrations/0002 first wrote it): key, English, Danish.
DEFAULT_QUESTIONS = [
    (
        "trust",
        "How much do you trust the other side to keep its commitments?",
        "Hvor meget stoler du på, at den anden part holder sine aftaler?",
    ),
    (
        "communication",
        "How well do we communicate (openly, early, in the right channel)?",
        "Hvor godt kommunikerer vi (åbent, tidligt, i den rigtige kanal)?",
    ),
    (
        "responsiveness",
        "How quickly does the other side respond when you need something?",
        "Hvor hurtigt reagerer den anden part, når du har brug for noget?",
    ),
    (
        "problem_solving",
        "How well do we solve problems together, on the solution and not the blame?",
        "Hvor godt løser vi problemer sammen, med fokus på løsningen og ikke skylden?",
    ),
    (
        "overall",
        "Overall, how satisfied are you with the collaboration?",
        "Hvor tilfreds er du alt i alt med samarbejdet?",
    ),
]


def restore_default_questions(*, using="default") -> None:
    """Put the default questions back when the table is empty (a database flush empties it)."""
    questions = SurveyQuestion.objects.using(using)
    if questions.exists():
        return
    for order, (key, en, da) in enumerate(DEFAULT_QUESTIONS, start=1):
        questions.get_or_create(key=key, defaults={"text_en": en, "text_da": da, "order": order * 10})
