"""Demo meetings: a monthly operations review per demo partner ("first Tuesday"), with past meetings
(held, minutes, decisions, attendance, frozen KPI figures) and open actions on both sides.

Every occurrence from the first one up to the horizon exists: the series' generator makes those
from now on, `_past_meetings` those before now, including one earlier today (on the first Tuesday
of a month, this month's meeting was held this morning). Partners keep their actions differently:
DanLog and CleanTech early, Jysk Fragt a little late, Emballage Nord late or not at all.

Idempotent: the series is found by partner and title; past occurrences by their slot; minutes,
topics and actions are only written when the occurrence is created.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from . import agenda, recurrence, services
from .models import ActionItem, Attendance, Meeting, MeetingSeries, MeetingStatus

TITLE = "Månedligt driftsmøde"
MONTHS_BACK = 5

MINUTES = (
    "Vi gennemgik nøgletallene for perioden siden sidste møde. Leveringstiden ligger tæt på målet; "
    "fejlraten var højere i de første uger, primært ved plukning af lignende varenumre. "
    "Partneren orienterede om planlagt ferieafvikling og bemanding i spidsbelastningen."
)
DECISIONS = "Ugentlig optælling af de 20 mest plukkede varenumre indtil fejlraten er under målet."

# Per partner: its own action from each meeting, and how many days after the due date its people
# finish their actions (negative: before; None: the recent ones are still open and overdue).
PARTNER_ACTIONS = {
    "DanLog 3PL A/S": ("Send bemandingsplan for spidsbelastning", -2),
    "Jysk Fragt ApS": ("Send ruteplan for ture med ekstra stop", 3),
    "Emballage Nord A/S": ("Bekræft leveringsplan for kartoner og bølgepap", None),
    "CleanTech Service": ("Opdatér rengøringsplan for kølerum og porte", -4),
}


def _partner_user(users, partner):
    return {
        "DanLog 3PL A/S": users.get("danlog"),
        "Jysk Fragt ApS": users.get("jysk"),
        "Emballage Nord A/S": users.get("emballage"),
        "CleanTech Service": users.get("clean"),
    }.get(partner.name)


def seed(demo):
    users = demo.objects.get("users", {})
    lager, drift = users.get("lager"), users.get("drift")
    if lager is None:
        return
    today = timezone.localdate()
    now = timezone.now()
    first = (today.replace(day=1) - timedelta(days=31 * MONTHS_BACK)).replace(day=1)
    all_series = []
    for partner in demo.objects.get("partners", []):
        partner_user = _partner_user(users, partner)
        people = [u for u in (lager, drift, partner_user) if u is not None]
        series = MeetingSeries.objects.filter(partner=partner, title=TITLE).first()
        if series is None:
            series = services.series_create(
                user=lager,
                partner=partner,
                title=TITLE,
                purpose="operations_review",
                rrule="FREQ=MONTHLY;BYDAY=1TU",
                time_zone="Europe/Copenhagen",
                first_date=first,
                start_time=time(9, 0),
                duration_minutes=60,
                location="Nordlager, mødelokale 2",
                video_link="https://meet.example.com/driftsmoede",
                participants=people,
                keep_past_first_date=True,  # running for months: its past meetings follow
            )
        all_series.append(series)
        _past_meetings(series, first=first, lager=lager, partner_user=partner_user, people=people, now=now)
        _next_meeting_topic(series, partner_user=partner_user)
    demo.objects["meeting_series"] = all_series


def _past_meetings(series, *, first, lager, partner_user, people, now):
    """The occurrences that started before now, held, from the demo's first month on.

    The series' generator (`services.materialise`) makes the occurrences from now on only, so
    these are the rest, up to and including one that started earlier today.
    """
    slots = recurrence.occurrences_utc(
        rrule=series.rrule,
        dtstart=series.local_dtstart(),
        zone=series.zone,
        start=first,
        end=timezone.localdate(),
    )
    latest = None
    for slot in (s for s in slots if s < now):
        meeting, created = Meeting.objects.get_or_create(
            series=series,
            original_start=slot,
            defaults={
                "partner": series.partner,
                "title": series.title,
                "start": slot,
                "end": slot + series.duration,
                "location": series.location,
                "video_link": series.video_link,
            },
        )
        latest = meeting
        if not created:
            continue
        meeting.participants.set(people)
        meeting.agenda_snapshot = agenda.freeze(meeting=meeting, user=lager)
        meeting.status = MeetingStatus.HELD
        meeting.held_at = meeting.end
        meeting.minutes = MINUTES
        meeting.decisions = DECISIONS
        meeting.minutes_published_at = min(meeting.end + timedelta(hours=3), now)
        meeting.save()
        Attendance.objects.bulk_create(Attendance(meeting=meeting, user=u, present=True) for u in people)
        _actions(meeting, lager=lager, partner_user=partner_user, today=timezone.localdate())
    return latest


def _actions(meeting, *, lager, partner_user, today):
    held_on = meeting.start.date()
    partner_title, late_days = PARTNER_ACTIONS.get(meeting.partner.name, PARTNER_ACTIONS["DanLog 3PL A/S"])
    punctual = late_days is not None and late_days < 0
    items = [
        ("Opdatér plukkelister for lignende varenumre", lager, held_on + timedelta(days=14), -2),
        (partner_title, partner_user, held_on + timedelta(days=21), late_days),
    ]
    for title, owner, due, late in items:
        if owner is None:
            continue
        item = ActionItem.objects.create(
            partner=meeting.partner,
            meeting=meeting,
            title=title,
            owner=owner,
            due_date=due,
            created_by=lager,
        )
        # In a punctual partnership every action due by now is done, before its date. Elsewhere
        # actions due more than a month ago are done (late, as the partner keeps them) and the
        # recent ones are still open and overdue; a partner who lets them slide has them overdue
        # for months. Actions from the latest meeting are open, so both sides have a list.
        if late is None:
            late = 9 if due < today - timedelta(days=90) else None
        if late is not None and (due < today - timedelta(days=30) or (punctual and due < today)):
            item.status = "done"
            item.done_at = timezone.make_aware(datetime.combine(due + timedelta(days=late), time(15, 0)))
            item.save()


def _next_meeting_topic(series, *, partner_user):
    if partner_user is None:
        return
    upcoming = series.meetings.filter(start__gt=timezone.now(), status=MeetingStatus.PLANNED).order_by("start").first()
    if upcoming is None or upcoming.topics.exists():
        return
    services.topic_add(
        user=partner_user,
        meeting=upcoming,
        title="Kapacitet i uge 50–52",
        description="Vi foreslår ekstra aftenhold ved port 3 og 4 i julen.",
    )
