"""Reminders through the outbox: computed from the meeting time, sent exactly once, and never stale."""

import threading
from datetime import date, timedelta

import icalendar
import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from partnerportal.notifications.models import Notification, NotificationPreference
from partnerportal.notifications.services import dispatch_due
from tests.meetings.helpers import action_for, make_series, meeting_for

PENDING = "pending"


def _reminders(meeting, status=None):
    qs = Notification.objects.filter(key__startswith=f"meeting:{meeting.pk}:reminder:")
    return qs.filter(status=status) if status else qs


def _dispatch_all(now):
    sent = []
    while True:
        result = dispatch_due(now=now, batch_size=50)
        sent.extend(result.sent_ids)
        if not result.claimed:
            return sent


def test_reminders_are_queued_per_offset_and_participant(world):
    meeting = meeting_for(world, world.partner_a, days=5)
    rows = _reminders(meeting)
    assert rows.count() == 4  # two offsets × two participants
    assert {r.recipient for r in rows} == {world.manager, world.a_manager}
    send_times = sorted({r.send_at for r in rows})
    assert send_times == [meeting.start - timedelta(days=2), meeting.start - timedelta(hours=1)]
    assert all(r.key.startswith(f"meeting:{meeting.pk}:reminder:") for r in rows)
    early = rows.filter(send_at=meeting.start - timedelta(days=2)).get(recipient=world.a_manager)
    assert "update your KPIs" in early.body
    assert early.attachments[0]["filename"] == "meeting.ics"
    cal = icalendar.Calendar.from_ical(early.attachments[0]["content"])
    assert cal.walk("VEVENT")[0]["SUMMARY"].startswith("Review with")
    # Idempotent: the periodic task re-creating them adds nothing.
    assert services.schedule_reminders() == 0
    assert rows.count() == 4


def test_reminder_in_the_recipients_language(world):
    world.a_manager.language = "da"
    world.a_manager.save()
    meeting = meeting_for(world, world.partner_a, days=5)
    danish = _reminders(meeting).filter(recipient=world.a_manager).order_by("send_at").first()
    english = _reminders(meeting).filter(recipient=world.manager).order_by("send_at").first()
    assert "Hej" in danish.body
    assert "Hello" in english.body


def test_email_can_be_switched_off_per_kind(world):
    NotificationPreference.objects.create(user=world.a_manager, kind=services.KIND_MEETING_REMINDER, email=False)
    meeting = meeting_for(world, world.partner_a, days=5)
    assert not _reminders(meeting).filter(recipient=world.a_manager, email=True).exists()
    assert _reminders(meeting).filter(recipient=world.a_manager, email=False).count() == 2  # still in the portal


def test_late_scheduling_sends_only_the_nearest_passed_reminder(world):
    meeting = meeting_for(world, world.partner_a, days=1)  # the two-day reminder time has passed
    rows = _reminders(meeting)
    assert rows.count() == 4  # 2d (now) and 1h
    Notification.objects.all().delete()
    now = meeting.start - timedelta(minutes=30)  # both passed: only the 1-hour one goes out
    assert services.schedule_meeting_reminders(meeting=meeting, now=now) == 2
    assert {r.key.split(":")[3] for r in _reminders(meeting)} == {"1h"}
    Notification.objects.all().delete()
    assert services.schedule_meeting_reminders(meeting=meeting, now=meeting.start + timedelta(minutes=1)) == 0


def test_moved_meeting_sends_no_stale_reminder(world):
    meeting = meeting_for(world, world.partner_a, days=5)
    old_start = meeting.start
    new_start = old_start + timedelta(days=1, hours=3)
    services.meeting_move(user=world.manager, meeting=meeting, start=new_start)
    assert _reminders(meeting, "withdrawn").count() == 4
    pending = list(_reminders(meeting, PENDING))
    assert len(pending) == 4
    assert {r.send_at for r in pending} == {new_start - timedelta(days=2), new_start - timedelta(hours=1)}
    # Dispatch at every moment a reminder was or is due: only the new ones go out.
    mail.outbox.clear()
    sent = []
    for moment in sorted(
        {old_start - timedelta(days=2), old_start - timedelta(hours=1), *[r.send_at for r in pending]}
    ):
        sent += _dispatch_all(moment)
    assert sorted(sent) == sorted(r.pk for r in pending)
    new_local = timezone.localtime(new_start).strftime("%H:%M")
    assert len(mail.outbox) == 4
    assert all(new_local in m.subject or new_local in m.body for m in mail.outbox)


def test_moving_back_and_forth_still_reminds(world):
    meeting = meeting_for(world, world.partner_a, days=5)
    original = meeting.start
    services.meeting_move(user=world.manager, meeting=meeting, start=original + timedelta(hours=2))
    services.meeting_move(user=world.manager, meeting=Meeting.objects.get(pk=meeting.pk), start=original)
    assert _reminders(meeting, PENDING).count() == 4
    assert {r.send_at for r in _reminders(meeting, PENDING)} == {
        original - timedelta(days=2),
        original - timedelta(hours=1),
    }


def test_queued_reminders_follow_edits_of_place_link_topics_and_participants(world):
    meeting = meeting_for(world, world.partner_a, days=5)
    services.meeting_update(
        user=world.manager, meeting=meeting, location="Dock 7, Aarhus", video_link="https://v.example/r"
    )
    for reminder in _reminders(meeting, PENDING):
        assert "Dock 7, Aarhus" in reminder.body and "https://v.example/r" in reminder.body
        assert "Room of" not in reminder.body
        event = icalendar.Calendar.from_ical(reminder.attachments[0]["content"]).walk("VEVENT")[0]
        assert str(event["LOCATION"]) == "Dock 7, Aarhus"
    services.topic_add(user=world.a_manager, meeting=meeting, title="Peak season staffing")
    early = _reminders(meeting, PENDING).filter(send_at=meeting.start - timedelta(days=2))
    assert early.count() == 2 and all("Peak season staffing" in r.body for r in early)
    # The partner manager leaves the meeting, the partner viewer joins: nobody gets a stale reminder.
    services.meeting_update(user=world.manager, meeting=meeting, participants=[world.manager, world.a_viewer])
    assert {r.recipient.username for r in _reminders(meeting, PENDING)} == {"manager", "a_viewer"}
    assert {r.recipient.username for r in _reminders(meeting, "withdrawn")} == {"a_manager"}
    assert _reminders(meeting, PENDING).count() == 4 and _reminders(meeting).count() == 6


def test_cancelled_meeting_withdraws_its_reminders(world):
    meeting = meeting_for(world, world.partner_a, days=5)
    services.meeting_cancel(user=world.manager, meeting=meeting)
    assert _reminders(meeting, PENDING).count() == 0
    assert _dispatch_all(meeting.start) == []


def test_series_offsets_are_used(world):
    series = make_series(
        world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", reminder_offsets=[1440, 15]
    )
    services.schedule_reminders()
    meeting = series.meetings.filter(start__gt=timezone.now() + timedelta(days=2)).order_by("start").first()
    labels = {r.key.split(":")[3] for r in _reminders(meeting)}
    assert labels == {"1d", "15m"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent dispatchers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_every_reminder_once(world):
    for days in range(3, 13):
        meeting_for(world, world.partner_a, days=days, hour=9)
        meeting_for(world, world.partner_b, days=days, hour=11)
    total = Notification.objects.filter(key__contains=":reminder:").count()
    assert total == 80
    mail.outbox.clear()
    later = timezone.now() + timedelta(days=30)
    results, barrier = [], threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            while True:
                result = dispatch_due(now=later, batch_size=7)
                results.append(result.sent_ids)
                if not result.claimed:
                    break
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [pk for ids in results for pk in ids]
    assert len(sent) == len(set(sent)) == total
    assert len(mail.outbox) == total
    assert Notification.objects.filter(status="sent").count() == total


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_queue_each_reminder_once(world):
    meetings = [meeting_for(world, world.partner_a, days=d) for d in (2, 3)]
    Notification.objects.all().delete()
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            services.schedule_reminders()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for meeting in meetings:
        assert _reminders(meeting).count() == 4


def test_action_item_due_soon_and_overdue(world):
    today = date.today()
    soon = action_for(world, world.partner_a, due=today + timedelta(days=2))
    late = action_for(world, world.partner_a, due=today - timedelta(days=1))
    later = action_for(world, world.partner_a, due=today + timedelta(days=20))
    assert services.remind_action_items(today=today) == 2
    assert services.remind_action_items(today=today) == 0
    keys = set(Notification.objects.filter(key__startswith="action:").values_list("key", flat=True))
    assert f"action:{soon.pk}:due:{soon.due_date}" in keys
    assert f"action:{late.pk}:overdue:{late.due_date}" in keys
    assert not any(k.startswith(f"action:{later.pk}:due") for k in keys)
    services.action_item_set_status(user=world.a_manager, item=late, status="done")
    Notification.objects.filter(key__contains=":overdue:").delete()
    services.remind_action_items(today=today)
    assert not Notification.objects.filter(key__contains=":overdue:").exists()


# --- Missed ticks (beat could not reach the broker): the next run catches up from the database ---


def test_reminders_of_meetings_that_entered_the_window_during_missed_runs_are_queued_once(world):
    make_series(world, world.partner_a, rrule="FREQ=DAILY", first_date=timezone.localdate())
    Notification.objects.all().delete()  # as if no scheduling run had happened yet
    # The 15-minute task did not run for two days; the first run after the outage:
    later = timezone.now() + timedelta(days=2)
    assert services.schedule_reminders(now=later) > 0
    window = Meeting.objects.filter(
        start__gt=later + timedelta(hours=1),
        start__lte=later + timedelta(days=services.REMINDER_WINDOW_DAYS, minutes=2880),
    )
    assert window.count() >= 4
    for meeting in window:
        rows = _reminders(meeting)
        assert rows.count() == 4, meeting  # both offsets × both participants, none twice
        assert all(r.send_at >= later for r in rows)
    assert services.schedule_reminders(now=later) == 0
    # The next run, 15 minutes on, queues none of these again (a meeting that has just entered the window
    # then may get its own: when the series' time of day falls in those 15 minutes, it does).
    services.schedule_reminders(now=later + timedelta(minutes=15))
    for meeting in window:
        assert _reminders(meeting).count() == 4, meeting
