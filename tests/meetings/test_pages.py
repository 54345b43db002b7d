"""The pages people use: schedule a series in plain words, topics, minutes, actions, lists."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from meetings.models import ActionItem, AgendaTopic, Attendance, Meeting, MeetingSeries
from partnerportal.notifications.models import Notification
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.meetings.helpers import CPH, action_for, make_series, meeting_for, past_meeting
from tests.partners.hub import hub_page


def _series_form(world, partner, **overrides):
    data = {
        "partner": partner.pk,
        "title": "Monthly operations review",
        "purpose": "operations_review",
        "pattern": "monthly_weekday",
        "weekday": "TU",
        "ordinal": "1",
        "first_date": (date.today() + timedelta(days=3)).isoformat(),
        "start_time": "09:00",
        "time_zone": "Europe/Copenhagen",
        "duration_minutes": "90",
        "location": "Aarhus Central, meeting room 2",
        "participants": [world.manager.pk, world.a_manager.pk],
        "reminders": ["2880", "60"],
        "active": "on",
    }
    data.update(overrides)
    return data


def test_manager_schedules_a_monthly_review_in_plain_words(world):
    response = client_for(world.manager).post("/meetings/series/new/", _series_form(world, world.partner_a))
    assert response.status_code == 302
    series = MeetingSeries.objects.get()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=1TU"
    assert series.reminder_offsets == [2880, 60]
    meetings = list(series.meetings.order_by("start"))
    assert 11 <= len(meetings) <= 13  # a year ahead
    for m in meetings:
        local = m.start.astimezone(CPH)
        assert (local.weekday(), local.hour, local.day <= 7) == (1, 9, True)
        assert m.end - m.start == timedelta(minutes=90)
    assert set(meetings[0].participants.all()) == {world.manager, world.a_manager}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pattern": "monthly_weekday", "ordinal": ""}, "pattern"),
        ({"start_time": "25:99"}, "start_time"),
        ({"first_date": "31/02/2026"}, "first_date"),
        ({"reminders": "two days"}, "reminders"),
        ({"pattern": "custom"}, "pattern"),  # only an existing custom rule can be kept, none typed in
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_bad_series_input_is_refused_and_changes_nothing(world, overrides, field):
    response = client_for(world.manager).post(
        "/meetings/series/new/", _series_form(world, world.partner_a, **overrides)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not MeetingSeries.objects.exists() and not Meeting.objects.exists()


def test_participants_of_another_partner_are_refused(world):
    data = _series_form(world, world.partner_a, participants=[world.manager.pk, world.b_manager.pk])
    response = client_for(world.manager).post("/meetings/series/new/", data)
    assert response.status_code == 400
    assert not MeetingSeries.objects.exists()


def test_a_custom_rule_from_the_api_is_kept_by_the_form_until_changed(world):
    series = make_series(world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=MO,TH")
    client = client_for(world.manager)
    assert client.get(f"/meetings/series/{series.pk}/edit/").context["form"].initial["pattern"] == "custom"
    data = _series_form(world, world.partner_a, pattern="custom", first_date=series.first_date.isoformat())
    assert client.post(f"/meetings/series/{series.pk}/edit/", data).status_code == 302
    series.refresh_from_db()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=MO,TH"
    data = _series_form(world, world.partner_a, pattern="monthly_weekday", ordinal="-1", weekday="FR")
    assert client.post(f"/meetings/series/{series.pk}/edit/", data).status_code == 302
    series.refresh_from_db()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=-1FR"


def test_editing_a_series_shows_plain_words_and_saves(world):
    series = make_series(world, world.partner_a)
    client = client_for(world.manager)
    page = client.get(f"/meetings/series/{series.pk}/edit/")
    assert page.context["form"].initial["pattern"] == "monthly_weekday"
    data = _series_form(world, world.partner_a, pattern="weekly", weekday="WE", title="Weekly ops")
    assert client.post(f"/meetings/series/{series.pk}/edit/", data).status_code == 302
    series.refresh_from_db()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=WE" and series.title == "Weekly ops"


def test_partner_adds_a_topic_with_htmx(world):
    meeting = meeting_for(world, world.partner_a)
    client = client_for(world.a_manager)
    response = client.post(
        f"/meetings/{meeting.pk}/topics/add/", {"title": "Dock 4 congestion", "internal": "on"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Dock 4 congestion" in response.content.decode()
    topic = AgendaTopic.objects.get()
    assert topic.added_by == world.a_manager and topic.internal is False  # partners cannot add internal topics
    bad = client.post(f"/meetings/{meeting.pk}/topics/add/", {"title": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert AgendaTopic.objects.count() == 1
    assert client_for(world.a_viewer).post(f"/meetings/{meeting.pk}/topics/add/", {"title": "x"}).status_code == 403


def test_minutes_attendance_publish_and_notify(world):
    meeting = past_meeting(world, world.partner_a)
    client = client_for(world.manager)
    response = client.post(
        f"/meetings/{meeting.pk}/minutes/",
        {
            "minutes": "We went through the error rate.",
            "decisions": "Weekly stock count.",
            "present": [world.a_manager.pk],
            "publish": "1",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is not None
    assert dict(Attendance.objects.filter(meeting=meeting).values_list("user_id", "present")) == {
        world.manager.pk: False,
        world.a_manager.pk: True,
    }
    notes = Notification.objects.filter(key=f"meeting:{meeting.pk}:minutes")
    assert {n.recipient for n in notes} == {world.manager, world.a_manager}
    assert "We went through the error rate." in notes.get(recipient=world.a_manager).body
    page = client_for(world.a_viewer).get(meeting.get_absolute_url()).content.decode()
    assert "Weekly stock count." in page


def test_draft_minutes_stay_with_the_host(world):
    meeting = past_meeting(world, world.partner_a)
    client_for(world.manager).post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "Draft: sensitive", "decisions": ""})
    assert "Draft: sensitive" in client_for(world.manager).get(meeting.get_absolute_url()).content.decode()
    assert "Draft: sensitive" not in client_for(world.a_manager).get(meeting.get_absolute_url()).content.decode()
    api = client_for(world.a_manager).get(f"/api/meetings/{meeting.pk}/").json()
    assert api["minutes"] == ""


def test_publishing_empty_minutes_is_refused(world):
    meeting = past_meeting(world, world.partner_a)
    response = client_for(world.manager).post(f"/meetings/{meeting.pk}/minutes/", {"minutes": " ", "publish": "1"})
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is None


def test_move_page_keeps_local_time_and_refuses_bad_input(world):
    meeting = meeting_for(world, world.partner_a, days=5)
    client = client_for(world.manager)
    target = (timezone.localdate() + timedelta(days=6)).isoformat()
    assert (
        client.post(f"/meetings/{meeting.pk}/move/", {"start": "tomorrow", "duration_minutes": "60"}).status_code == 400
    )
    response = client.post(f"/meetings/{meeting.pk}/move/", {"start": f"{target}T14:30", "duration_minutes": "45"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    local = meeting.start.astimezone(CPH)
    assert (local.date().isoformat(), local.hour, local.minute) == (target, 14, 30)
    assert meeting.end - meeting.start == timedelta(minutes=45)


def test_manager_records_an_action_for_the_partner_who_updates_it(world):
    meeting = past_meeting(world, world.partner_a)
    client = client_for(world.manager)
    due = (date.today() + timedelta(days=14)).isoformat()
    response = client.post(
        f"/meetings/actions/new/{world.partner_a.pk}/",
        {
            "meeting": meeting.pk,
            "action-title": "Recount SKU 4711",
            "action-owner": world.a_manager.pk,
            "action-due_date": due,
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert (item.meeting, item.owner, item.created_by) == (meeting, world.a_manager, world.manager)
    assert Notification.objects.filter(recipient=world.a_manager, key__startswith=f"action:{item.pk}:assigned").exists()
    # The owner sees it in "My actions" and moves it on.
    owner = client_for(world.a_manager)
    assert "Recount SKU 4711" in owner.get("/meetings/actions/mine/").content.decode()
    assert owner.post(item.get_absolute_url(), {"status": "done"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None
    # Another user of the same partner may look, not change.
    other = UserFactory(organization=world.partner_a, role="partner_manager")
    assert client_for(other).post(item.get_absolute_url(), {"status": "open"}).status_code == 403
    assert client_for(world.a_manager).post(item.get_absolute_url(), {"status": "cancelled"}).status_code == 400


def test_owner_of_another_partner_is_refused(world):
    response = client_for(world.manager).post(
        f"/meetings/actions/new/{world.partner_a.pk}/",
        {"action-title": "x", "action-owner": world.b_manager.pk, "action-due_date": "2026-12-01"},
    )
    assert response.status_code == 400
    assert not ActionItem.objects.exists()


def test_action_filters(world):
    today = date.today()
    late = action_for(world, world.partner_a, due=today - timedelta(days=3))
    late.title = "Late one"
    late.save()
    action_for(world, world.partner_a, due=today + timedelta(days=3))
    client = client_for(world.manager)
    overdue = client.get("/meetings/actions/?state=overdue").context["items"]
    assert [i.pk for i in overdue] == [late.pk]
    assert len(client.get("/meetings/actions/?state=open").context["items"]) == 2
    assert client.get("/meetings/actions/?state=bogus").status_code == 200
    # ?partner= means the same on every page: not a partner the user may see is a 404
    assert client.get("/meetings/actions/?partner=abc").status_code == 404


def test_hub_section_shows_next_meeting_and_open_actions(world):
    meeting = meeting_for(world, world.partner_a, days=2)
    action_for(world, world.partner_a, due=date.today() - timedelta(days=1))
    page = hub_page(client_for(world.a_viewer), world.partner_a)  # the meetings section loads lazily
    assert meeting.get_absolute_url() in page
    assert f"Action of {world.partner_a.name}" in page
    assert "1 open actions, 1 overdue" in page


def _many(world, n):
    for i in range(n):
        m = meeting_for(world, world.partner_a, days=2 + i)
        action_for(world, world.partner_a, meeting=m)
        past_meeting(world, world.partner_b, days=5 + i)


@pytest.mark.parametrize(
    "url",
    ["/meetings/", "/meetings/series/", "/meetings/actions/?state=all", "/meetings/actions/mine/", "/dashboard/"],
)
def test_list_pages_do_not_grow_queries_with_rows(world, django_assert_max_num_queries, url, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0  # the dashboard panels' own queries every time (tests/test_dashboard.py)
    make_series(world, world.partner_a)
    _many(world, 2)
    client = client_for(world.manager)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make_series(world, world.partner_b)
    _many(world, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_move_page_saved_unchanged_changes_nothing(world):
    """Issue 14: the move form sent back as it came is no move: no new calendar revision, no reissued reminders."""
    meeting = meeting_for(world, world.partner_a, days=5)
    reminders = sorted(Notification.objects.filter(status="pending").values_list("pk", "send_at"))
    client = client_for(world.manager)
    local = meeting.start.astimezone(CPH)
    response = client.post(
        f"/meetings/{meeting.pk}/move/", {"start": local.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "60"}
    )
    assert response.status_code == 302
    before = (meeting.start, meeting.end, meeting.sequence)
    meeting.refresh_from_db()
    assert (meeting.start, meeting.end, meeting.sequence) == before
    assert sorted(Notification.objects.filter(status="pending").values_list("pk", "send_at")) == reminders


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "2 days before, 1 hour 30 minutes before"), ("da", "2 dage før, 1 time 30 minutter før")],
)
def test_series_reminders_read_as_words(world, language, expected):
    series = make_series(world, world.partner_a, reminder_offsets=[2880, 90])
    world.manager.language = language
    world.manager.save(update_fields=["language"])
    client = client_for(world.manager)
    client.cookies["django_language"] = language
    page = client.get(series.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in page
    assert "min before" not in page and "2880" not in page


def test_the_agenda_lists_overdue_actions_without_saying_there_are_none(world):
    meeting = meeting_for(world, world.partner_a)
    item = action_for(world, world.partner_a)
    ActionItem.objects.filter(pk=item.pk).update(due_date=date.today() - timedelta(days=3))
    page = client_for(world.manager).get(meeting.get_absolute_url()).content.decode()
    section = page[page.index('id="agenda-actions"') : page.index('id="agenda-topics"')]
    assert item.title in section
    assert "None." not in section


def test_a_meeting_is_not_moved_into_the_past_nor_before_a_held_one(world):
    from django.core.exceptions import ValidationError

    from meetings import services

    series = make_series(world, world.partner_a)
    upcoming = series.meetings.filter(start__gt=timezone.now()).order_by("start")
    first, second = upcoming[0], upcoming[1]
    with pytest.raises(ValidationError, match="past"):
        services.meeting_move(user=world.manager, meeting=first, start=timezone.now() - timedelta(hours=1))
    Meeting.objects.filter(pk=first.pk).update(status="held")
    with pytest.raises(ValidationError, match="already been held"):
        services.meeting_move(user=world.manager, meeting=second, start=first.start - timedelta(hours=1))
    second.refresh_from_db()
    assert second.start > first.start  # nothing changed
    response = client_for(world.manager).post(
        f"/meetings/{second.pk}/move/",
        {"start": (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "60"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/meetings/", "/meetings/actions/"])
def test_list_filters_have_a_button_and_do_not_submit_on_change(world, url):
    page = client_for(world.manager).get(url, follow=True).content.decode()
    form = page[page.index('<form method="get"') :]
    form = form[: form.index("</form>")]
    assert 'name="partner"' in form and 'type="submit"' in form and ">Filter</button>" in form
    assert "data-autosubmit" not in page
