"""Meetings as a person reads them (issue 14): recurrence in words, a series that would start in the
past, attendance by checkboxes, no raw reminder minutes, moves into the past refused, an agenda that
does not say "None." after overdue actions. Pages in Danish and English through the test client."""

import re
from datetime import date, datetime, time, timedelta

import icalendar
import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from meetings import recurrence, services
from meetings.models import ActionItem, Meeting, MeetingSeries
from partnerportal.notifications.models import Notification
from tests.conftest import client_for
from tests.meetings.helpers import CPH, action_for, make_series, meeting_for, past_meeting


def _client(user, language):
    user.language = language
    user.save(update_fields=["language"])
    client = client_for(user)
    client.cookies["django_language"] = language
    return client


def _text(response):
    """The visible text of a page (tags and scripts removed, whitespace collapsed)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- 1. recurrence in words -------------------------------------------------------------------

# Every shape the series form produces, and the custom rules an administrator can give through the API.
RULES_IN_WORDS = [
    ("FREQ=WEEKLY;BYDAY=MO", "Every week on Monday", "Hver uge om mandagen"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "Every 2 weeks on Thursday", "Hver anden uge om torsdagen"),
    ("FREQ=WEEKLY;INTERVAL=3;BYDAY=FR", "Every 3 weeks on Friday", "Hver tredje uge om fredagen"),
    ("FREQ=WEEKLY;INTERVAL=4;BYDAY=FR", "Every 4 weeks on Friday", "Hver 4. uge om fredagen"),
    ("FREQ=MONTHLY;BYDAY=1TU", "First Tuesday of every month", "Første tirsdag i hver måned"),
    ("FREQ=MONTHLY;BYDAY=2WE", "Second Wednesday of every month", "Anden onsdag i hver måned"),
    ("FREQ=MONTHLY;BYDAY=3SA", "Third Saturday of every month", "Tredje lørdag i hver måned"),
    ("FREQ=MONTHLY;BYDAY=4SU", "Fourth Sunday of every month", "Fjerde søndag i hver måned"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "Last Friday of every month", "Sidste fredag i hver måned"),
    ("FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU", "First Tuesday of every 2 months", "Første tirsdag i hver anden måned"),
    ("FREQ=MONTHLY;BYMONTHDAY=15", "Every month on the 15th", "Hver måned den 15."),
    ("FREQ=MONTHLY;BYMONTHDAY=1", "Every month on the 1st", "Hver måned den 1."),
    ("FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=3", "Every 2 months on the 3rd", "Hver anden måned den 3."),
    ("FREQ=MONTHLY;INTERVAL=3", "Every 3 months", "Hver tredje måned"),
    ("FREQ=WEEKLY;BYDAY=MO,TH", "Every week on Monday and Thursday", "Hver uge om mandagen og torsdagen"),
    (
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "Every week on Monday, Wednesday and Friday",
        "Hver uge om mandagen, onsdagen og fredagen",
    ),
    ("FREQ=DAILY", "Every day", "Hver dag"),
    ("FREQ=YEARLY", "Every year", "Hvert år"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "Every month on the last day", "Hver måned den sidste dag"),
    ("FREQ=WEEKLY;BYDAY=TU;COUNT=6", "Every week on Tuesday, 6 times in all", "Hver uge om tirsdagen, 6 gange i alt"),
    ("RRULE:freq=monthly;byday=1tu", "First Tuesday of every month", "Første tirsdag i hver måned"),
]


@pytest.mark.parametrize(("rule", "english", "danish"), RULES_IN_WORDS)
def test_a_rule_reads_as_words_in_the_active_language(rule, english, danish):
    with translation.override("en"):
        assert recurrence.in_words(rule) == english
    with translation.override("da"):
        assert recurrence.in_words(rule) == danish


def test_a_rule_without_its_day_takes_it_from_the_first_date_and_an_end_reads_as_a_date():
    first = date(2027, 1, 14)  # a Thursday
    with translation.override("da"):
        assert recurrence.in_words("FREQ=WEEKLY", first_date=first) == "Hver uge om torsdagen"
        assert recurrence.in_words("FREQ=MONTHLY;INTERVAL=3", first_date=first) == "Hver tredje måned den 14."
        until = recurrence.in_words("FREQ=WEEKLY;BYDAY=TH;UNTIL=20270630T220000Z")
        assert until == f"Hver uge om torsdagen, til og med {date_format(date(2027, 6, 30), 'DATE_FORMAT')}"
    with translation.override("en"):
        assert recurrence.in_words("FREQ=MONTHLY;INTERVAL=3", first_date=first) == "Every 3 months on the 14th"


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1", "FREQ=YEARLY;BYWEEKNO=20", "nonsense"])
def test_a_rule_the_words_do_not_cover_still_shows_no_rrule(rule):
    for language in ("en", "da"):
        with translation.override(language):
            words = recurrence.in_words(rule)
            assert words and "FREQ" not in words and "=" not in words and ";" not in words


@pytest.mark.parametrize(
    ("language", "words"), [("da", "Første tirsdag i hver måned"), ("en", "First Tuesday of every month")]
)
def test_series_pages_show_the_recurrence_in_words(world, language, words):
    series = make_series(world, world.partner_a)
    client = _client(world.manager, language)
    for url in (series.get_absolute_url(), "/meetings/series/", f"/meetings/series/{series.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 200, url
        if "edit" not in url:
            assert words in _text(response), url
        assert "FREQ" not in response.content.decode(), url


def test_an_administrator_never_types_an_rrule_and_a_custom_rule_is_kept_in_words(world):
    client = _client(world.admin, "da")
    new = client.get("/meetings/series/new/").content.decode()
    assert "FREQ" not in new and "custom_rrule" not in new
    series = make_series(world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=MO,TH")
    edit = client.get(f"/meetings/series/{series.pk}/edit/")
    html = edit.content.decode()
    assert "FREQ" not in html
    assert "Hver uge om mandagen og torsdagen" in _text(edit)


def test_choices_give_every_n_weeks_and_months(world):
    from tests.meetings.test_pages import _series_form

    client = _client(world.manager, "da")
    data = _series_form(world, world.partner_a, pattern="weekly", weekday="TH", interval="3")
    assert client.post("/meetings/series/new/", data).status_code == 302
    series = MeetingSeries.objects.get()
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=3;BYDAY=TH"
    page = client.get(f"/meetings/series/{series.pk}/edit/")
    assert page.context["form"].initial["pattern"] == "weekly"
    assert page.context["form"].initial["interval"] == 3
    data = _series_form(world, world.partner_a, pattern="monthly_weekday", ordinal="-1", weekday="FR", interval="2")
    assert client.post(f"/meetings/series/{series.pk}/edit/", data).status_code == 302
    series.refresh_from_db()
    assert series.rrule == "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR"
    assert "Sidste fredag i hver anden måned" in _text(client.get(series.get_absolute_url()))


def test_the_calendar_feed_describes_the_series_in_the_readers_language(world):
    make_series(world, world.partner_a, participants=[world.manager, world.a_manager])
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    feed = services.feed_regenerate(user=world.a_manager)
    body = client_for(None).get(f"/meetings/feed/{feed.token}.ics").content
    masters = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if "RRULE" in e]
    assert masters and "Første tirsdag i hver måned" in str(masters[0]["DESCRIPTION"])


# --- 2. a first date in the past --------------------------------------------------------------


def _first_tuesday_after(day: date) -> date:
    while not (day.weekday() == 1 and day.day <= 7):
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_series_with_a_past_first_date_starts_at_its_first_future_occurrence_and_says_so(world, language):
    from tests.meetings.test_pages import _series_form

    client = _client(world.manager, language)
    past = timezone.localdate() - timedelta(days=40)
    data = _series_form(world, world.partner_a, first_date=past.isoformat())
    response = client.post("/meetings/series/new/", data, follow=True)
    assert response.status_code == 200
    series = MeetingSeries.objects.get()
    expected = _first_tuesday_after(timezone.localdate() + timedelta(days=1))
    if datetime.combine(timezone.localdate(), time(9, 0), tzinfo=CPH) > timezone.now():
        expected = _first_tuesday_after(timezone.localdate())
    assert series.first_date == expected
    with translation.override(language):
        when = date_format(expected, "DATE_FORMAT")
    message = {
        "da": f"Første møde lå i fortiden; serien starter {when}.",
        "en": f"The first meeting was in the past; the series starts on {when}.",
    }[language]
    assert message in _text(response)
    assert not series.meetings.filter(start__lt=timezone.now()).exists()
    assert series.meetings.order_by("start").first().start.astimezone(CPH).date() == expected


def test_the_api_starts_a_series_with_a_past_first_date_at_its_next_occurrence_too(world):
    import json

    data = {
        "partner": world.partner_a.pk,
        "title": "Weekly",
        "rrule": "FREQ=WEEKLY;BYDAY=TH",
        "first_date": (timezone.localdate() - timedelta(days=30)).isoformat(),
        "start_time": "09:00",
    }
    response = client_for(world.manager).post("/api/meeting-series/", json.dumps(data), content_type="application/json")
    assert response.status_code == 201, response.content
    series = MeetingSeries.objects.get()
    assert response.json()["first_date"] == series.first_date.isoformat()
    assert timezone.localdate() <= series.first_date <= timezone.localdate() + timedelta(days=7)
    assert series.first_date.weekday() == 3
    assert not series.meetings.filter(start__lt=timezone.now()).exists()


def test_a_future_first_date_is_kept_and_no_message_is_given(world):
    from tests.meetings.test_pages import _series_form

    client = _client(world.manager, "en")
    first = _first_tuesday_after(timezone.localdate() + timedelta(days=10))
    response = client.post("/meetings/series/new/", _series_form(world, world.partner_a, first_date=first), follow=True)
    assert MeetingSeries.objects.get().first_date == first
    assert "was in the past" not in _text(response)


def test_editing_a_running_series_unchanged_keeps_its_past_first_date(world):
    series = make_series(world, world.partner_a)  # first date 60 days ago, as a series running for a while
    started = series.first_date
    client = _client(world.manager, "da")
    form = client.get(f"/meetings/series/{series.pk}/edit/").context["form"]
    data = {name: form[name].value() for name in form.fields if not form.fields[name].disabled}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    response = client.post(f"/meetings/series/{series.pk}/edit/", data, follow=True)
    assert response.status_code == 200
    series.refresh_from_db()
    assert series.first_date == started
    assert "fortiden" not in _text(response)


def test_moving_the_first_date_of_a_series_into_the_past_starts_it_at_the_next_occurrence(world):
    from tests.meetings.test_pages import _series_form

    series = make_series(world, world.partner_a, first_date=timezone.localdate() + timedelta(days=20))
    client = _client(world.manager, "da")
    past = timezone.localdate() - timedelta(days=100)
    response = client.post(
        f"/meetings/series/{series.pk}/edit/", _series_form(world, world.partner_a, first_date=past), follow=True
    )
    series.refresh_from_db()
    assert series.first_date > timezone.localdate() - timedelta(days=1)
    assert "Første møde lå i fortiden" in _text(response)


# --- 3. attendance with checkboxes ------------------------------------------------------------


def test_attendance_and_participants_are_checkboxes_without_ctrl_click(world):
    client = _client(world.manager, "da")
    meeting = past_meeting(world, world.partner_a)
    for url, name in ((f"/meetings/{meeting.pk}/minutes/", "present"), ("/meetings/series/new/", "participants")):
        html = client.get(url).content.decode()
        assert re.search(rf'<input type="checkbox" name="{name}"', html), url
        assert not re.search(rf'<select[^>]*name="{name}"', html), url
        assert "Ctrl" not in html, url
    minutes = client.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert minutes.count('type="checkbox" name="present"') == meeting.participants.count()


# --- 4. verified: moves into the past and the agenda after overdue actions (Danish pages) ------------


def test_a_move_into_the_past_or_before_a_held_meeting_is_refused_on_the_danish_page(world):
    series = make_series(world, world.partner_a)
    upcoming = list(series.meetings.filter(start__gt=timezone.now()).order_by("start")[:2])
    client = _client(world.manager, "da")
    before = [(m.start, m.end) for m in upcoming]
    yesterday = (timezone.localtime(timezone.now(), CPH) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/meetings/{upcoming[1].pk}/move/", {"start": yesterday, "duration_minutes": "60"})
    assert response.status_code == 400
    assert "Et møde kan ikke flyttes til et tidspunkt, der er passeret." in _text(response)
    Meeting.objects.filter(pk=upcoming[0].pk).update(status="held")
    earlier = (upcoming[0].start.astimezone(CPH) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/meetings/{upcoming[1].pk}/move/", {"start": earlier, "duration_minutes": "60"})
    assert response.status_code == 400
    assert "allerede holdt" in _text(response)
    assert [
        (m.start, m.end) for m in Meeting.objects.filter(pk__in=[m.pk for m in upcoming]).order_by("start")
    ] == before


def test_the_danish_agenda_and_reminder_list_overdue_actions_without_ingen(world):
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    item = action_for(world, world.partner_a)
    ActionItem.objects.filter(pk=item.pk).update(due_date=date.today() - timedelta(days=3))
    meeting = meeting_for(world, world.partner_a)  # queues its reminders, the early one with the agenda
    page = _client(world.manager, "da").get(meeting.get_absolute_url()).content.decode()
    section = page[page.index('id="agenda-actions"') : page.index('id="agenda-topics"')]
    assert item.title in section
    assert "Ingen." not in section
    notes = Notification.objects.filter(recipient=world.a_manager, key__startswith=services.reminder_prefix(meeting))
    body = next(n.body for n in notes if item.title in n.body)  # the early reminder carries the agenda
    after = body.split(item.title, 1)[1].splitlines()[1:]
    listed = after[: next(i for i, line in enumerate(after) if not line.startswith("- "))]
    assert "- Ingen." not in listed


# --- 5. reminder offsets in words ---------------------------------------------------------------


def test_series_pages_and_forms_show_reminders_in_words_not_minutes(world):
    series = make_series(world, world.partner_a, reminder_offsets=[2880, 60])
    client = _client(world.manager, "da")
    for url in (series.get_absolute_url(), f"/meetings/series/{series.pk}/edit/", "/meetings/series/new/"):
        text = _text(client.get(url))
        assert "2880" not in text and "min." not in text, url
        assert "2 dage før" in text and "1 time før" in text, url
    edit = client.get(f"/meetings/series/{series.pk}/edit/").content.decode()
    assert re.search(r'<input type="checkbox" name="reminders" value="2880"[^>]*checked', edit)
    assert re.search(r'<input type="checkbox" name="reminders" value="60"[^>]*checked', edit)
    assert not re.search(r'<input type="checkbox" name="reminders" value="1440"[^>]*checked', edit)
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    upcoming = series.meetings.filter(start__gt=timezone.now()).order_by("start").first()
    services.schedule_meeting_reminders(meeting=upcoming, now=upcoming.start - timedelta(days=3))
    mails = Notification.objects.filter(key__startswith=services.reminder_prefix(upcoming))
    assert mails.count() >= 2
    for mail in mails:
        assert "2880" not in mail.subject + mail.body and "min." not in mail.subject + mail.body


def test_reminders_chosen_in_words_round_trip_and_keep_an_unusual_stored_offset(world):
    from tests.meetings.test_pages import _series_form

    series = make_series(world, world.partner_a, reminder_offsets=[60, 2880, 45])
    client = _client(world.manager, "da")
    form = client.get(f"/meetings/series/{series.pk}/edit/").context["form"]
    assert set(form.initial["reminders"]) == {"60", "2880", "45"}
    data = _series_form(world, world.partner_a, reminders=["60", "2880", "45"])
    data["first_date"] = series.first_date.isoformat()
    assert client.post(f"/meetings/series/{series.pk}/edit/", data).status_code == 302
    series.refresh_from_db()
    assert series.reminder_offsets == [60, 2880, 45]  # the stored order is kept
    data["reminders"] = ["1440"]
    assert client.post(f"/meetings/series/{series.pk}/edit/", data).status_code == 302
    series.refresh_from_db()
    assert series.reminder_offsets == [1440]
