"""Every page and API endpoint of the meetings app in the access matrix.

The private calendar feed authenticates by its token, not a session; its access rules (own
meetings only, unknown/revoked token 404) are tested in test_calendar.py.
"""

from datetime import date, datetime, time, timedelta

from tests.access import EVERYONE, HOST, Endpoint
from tests.meetings.helpers import CPH, action_for, make_series, meeting_for, past_meeting, topic_for

PARTNER_MANAGER_AND_HOST = HOST | {"partner_manager"}


def _meeting(world, partner):
    return meeting_for(world, partner)


def _marker(world, partner):
    return f"Room of {partner.name}"


def _action_marker(world, partner):
    return f"Action of {partner.name}"


def _future_start(days):
    return datetime.combine(date.today() + timedelta(days=days), time(14, 0), tzinfo=CPH)


def _day(days):
    return (date.today() + timedelta(days=days)).isoformat()


def _series_form(w, p):
    return {
        "partner": p.pk,
        "title": "Monthly review",
        "purpose": "operations_review",
        "pattern": "monthly_weekday",
        "weekday": "TU",
        "ordinal": "1",
        "first_date": _day(3),
        "start_time": "09:00",
        "time_zone": "Europe/Copenhagen",
        "duration_minutes": "60",
        "location": f"Room of {p.name}",
        "reminders": [],
    }


def _series_api(w, p, rrule="FREQ=MONTHLY;BYDAY=1TU"):
    return {"partner": p.pk, "title": "Monthly review", "rrule": rrule, "first_date": _day(3), "start_time": "09:00"}


ENDPOINTS = [
    # pages
    Endpoint("meetings:list", lambda w, p: (_meeting(w, p), "/meetings/")[1], partner_scoped=False, marker=_marker),
    Endpoint("meetings:series_list", lambda w, p: "/meetings/series/", allowed=HOST, partner_scoped=False),
    Endpoint("meetings:series_create", lambda w, p: "/meetings/series/new/", allowed=HOST, partner_scoped=False),
    Endpoint(
        "meetings:series_create-post",
        lambda w, p: "/meetings/series/new/",
        allowed=HOST,
        partner_scoped=False,
        method="post",
        data=_series_form,
        ok=(302,),
    ),
    Endpoint("meetings:series_detail", lambda w, p: make_series(w, p).get_absolute_url()),
    Endpoint("meetings:series_edit", lambda w, p: f"/meetings/series/{make_series(w, p).pk}/edit/", allowed=HOST),
    Endpoint(
        "meetings:series_edit-post",
        lambda w, p: f"/meetings/series/{make_series(w, p).pk}/edit/",
        allowed=HOST,
        method="post",
        data=_series_form,
        ok=(302,),
    ),
    Endpoint("meetings:detail", lambda w, p: _meeting(w, p).get_absolute_url()),
    Endpoint("meetings:ics", lambda w, p: f"/meetings/{_meeting(w, p).pk}/meeting.ics"),
    Endpoint(
        "meetings:topic_add",
        lambda w, p: f"/meetings/{_meeting(w, p).pk}/topics/add/",
        allowed=PARTNER_MANAGER_AND_HOST,
        method="post",
        data=lambda w, p: {"title": "Dock door 4 is slow"},
        ok=(302,),
    ),
    Endpoint(
        "meetings:topic_delete",
        lambda w, p: f"/meetings/topics/{topic_for(w, p).pk}/delete/",
        allowed=PARTNER_MANAGER_AND_HOST,
        method="post",
        ok=(302,),
    ),
    Endpoint("meetings:minutes", lambda w, p: f"/meetings/{_meeting(w, p).pk}/minutes/", allowed=HOST),
    Endpoint(
        "meetings:minutes-post",
        lambda w, p: f"/meetings/{past_meeting(w, p).pk}/minutes/",
        allowed=HOST,
        method="post",
        data=lambda w, p: {"minutes": "Reviewed the pick-up times.", "decisions": "Second driver on Fridays."},
        ok=(302,),
    ),
    Endpoint(
        "meetings:held",
        lambda w, p: f"/meetings/{_meeting(w, p).pk}/held/",
        allowed=HOST,
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "meetings:cancel",
        lambda w, p: f"/meetings/{_meeting(w, p).pk}/cancel/",
        allowed=HOST,
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "meetings:publish",
        lambda w, p: f"/meetings/{_meeting(w, p).pk}/publish/",
        allowed=HOST,
        method="post",
        ok=(302,),
    ),
    Endpoint("meetings:move", lambda w, p: f"/meetings/{_meeting(w, p).pk}/move/", allowed=HOST),
    Endpoint(
        "meetings:move-post",
        lambda w, p: f"/meetings/{_meeting(w, p).pk}/move/",
        allowed=HOST,
        method="post",
        data=lambda w, p: {"start": f"{_day(12)} 14:00", "duration_minutes": "60"},
        ok=(302,),
    ),
    Endpoint(
        "meetings:action_list",
        lambda w, p: (action_for(w, p), "/meetings/actions/?state=all")[1],
        partner_scoped=False,
        marker=_action_marker,
    ),
    Endpoint(
        "meetings:my_actions",
        lambda w, p: (action_for(w, p), "/meetings/actions/mine/")[1],
        partner_scoped=False,
        marker=_action_marker,
    ),
    Endpoint("meetings:action_detail", lambda w, p: action_for(w, p).get_absolute_url()),
    Endpoint(
        "meetings:action_status",
        lambda w, p: action_for(w, p, owner=w.user("partner_manager", p)).get_absolute_url(),
        allowed=PARTNER_MANAGER_AND_HOST,
        method="post",
        data=lambda w, p: {"status": "in_progress"},
        ok=(302,),
    ),
    Endpoint("meetings:action_create", lambda w, p: f"/meetings/actions/new/{p.pk}/", allowed=HOST),
    Endpoint(
        "meetings:action_create-post",
        lambda w, p: f"/meetings/actions/new/{p.pk}/",
        allowed=HOST,
        method="post",
        data=lambda w, p: {
            "action-title": "Call the carrier",
            "action-owner": w.manager.pk,
            "action-due_date": _day(14),
        },
        ok=(302,),
    ),
    Endpoint("meetings:feed_settings", lambda w, p: "/meetings/calendar/", partner_scoped=False),
    # Everyone manages their own calendar feed (a new address; viewers too).
    Endpoint(
        "meetings:feed_settings-post",
        lambda w, p: "/meetings/calendar/",
        partner_scoped=False,
        method="post",
        data=lambda w, p: {"include_organised": ""},
        ok=(302,),
    ),
    # API
    Endpoint(
        "api:meeting-series-list",
        lambda w, p: (make_series(w, p), "/api/meeting-series/")[1],
        api=True,
        partner_scoped=False,
        marker=_marker,
    ),
    Endpoint("api:meeting-series-detail", lambda w, p: f"/api/meeting-series/{make_series(w, p).pk}/", api=True),
    Endpoint(
        "api:meeting-series-patch",
        lambda w, p: f"/api/meeting-series/{make_series(w, p).pk}/",
        api=True,
        allowed=HOST,
        method="patch",
        data=lambda w, p: {"location": "Kolding"},
    ),
    Endpoint(
        "api:meeting-series-put",
        lambda w, p: f"/api/meeting-series/{make_series(w, p).pk}/",
        api=True,
        allowed=HOST,
        method="put",
        data=_series_api,
    ),
    # A custom RFC 5545 rule (not one of the form's patterns) is an admin's tool.
    Endpoint(
        "api:meeting-series-create-custom-rule",
        lambda w, p: "/api/meeting-series/",
        api=True,
        allowed=frozenset({"admin"}),
        method="post",
        data=lambda w, p: _series_api(w, p, rrule="FREQ=WEEKLY;BYDAY=MO,TH"),
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:meeting-series-create",
        lambda w, p: "/api/meeting-series/",
        api=True,
        allowed=HOST,
        method="post",
        data=lambda w, p: {
            "partner": p.pk,
            "title": "Monthly review",
            "rrule": "FREQ=MONTHLY;BYDAY=1TU",
            "first_date": (date.today() + timedelta(days=3)).isoformat(),
            "start_time": "09:00",
        },
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:meeting-list",
        lambda w, p: (_meeting(w, p), "/api/meetings/")[1],
        api=True,
        partner_scoped=False,
        marker=_marker,
    ),
    Endpoint("api:meeting-detail", lambda w, p: f"/api/meetings/{_meeting(w, p).pk}/", api=True),
    Endpoint(
        "api:meeting-create",
        lambda w, p: "/api/meetings/",
        api=True,
        allowed=HOST,
        method="post",
        data=lambda w, p: {
            "partner": p.pk,
            "title": "Extra review",
            "start": _future_start(days=9).isoformat(),
            "end": (_future_start(days=9) + timedelta(hours=1)).isoformat(),
        },
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:meeting-patch",
        lambda w, p: f"/api/meetings/{_meeting(w, p).pk}/",
        api=True,
        allowed=HOST,
        method="patch",
        data=lambda w, p: {"location": "Kolding"},
    ),
    Endpoint("api:meeting-agenda", lambda w, p: f"/api/meetings/{_meeting(w, p).pk}/agenda/", api=True),
    Endpoint(
        "api:meeting-cancel",
        lambda w, p: f"/api/meetings/{_meeting(w, p).pk}/cancel/",
        api=True,
        allowed=HOST,
        method="post",
    ),
    Endpoint(
        "api:meeting-move",
        lambda w, p: f"/api/meetings/{_meeting(w, p).pk}/move/",
        api=True,
        allowed=HOST,
        method="post",
        data=lambda w, p: {"start": _future_start(days=12).isoformat()},
    ),
    Endpoint(
        "api:meeting-held",
        lambda w, p: f"/api/meetings/{past_meeting(w, p).pk}/held/",
        api=True,
        allowed=HOST,
        method="post",
    ),
    Endpoint(
        "api:meeting-minutes",
        lambda w, p: f"/api/meetings/{past_meeting(w, p).pk}/minutes/",
        api=True,
        allowed=HOST,
        method="post",
        data=lambda w, p: {
            "minutes": "Reviewed the pick-up times.",
            "decisions": "Second driver on Fridays.",
            "present": [w.manager.pk],
            "publish": True,
        },
    ),
    Endpoint(
        "api:agenda-topic-list",
        lambda w, p: (topic_for(w, p), "/api/agenda-topics/")[1],
        api=True,
        partner_scoped=False,
        marker=lambda w, p: f"Topic of {p.name}",
    ),
    Endpoint(
        "api:agenda-topic-create",
        lambda w, p: "/api/agenda-topics/",
        api=True,
        allowed=PARTNER_MANAGER_AND_HOST,
        method="post",
        data=lambda w, p: {"meeting": _meeting(w, p).pk, "title": "Peak season staffing"},
        ok=(201,),
        extra={"note": "other partner's meeting answers 400 (unknown meeting), checked in test_api"},
        partner_scoped=False,
    ),
    Endpoint("api:agenda-topic-detail", lambda w, p: f"/api/agenda-topics/{topic_for(w, p).pk}/", api=True),
    Endpoint(
        "api:agenda-topic-patch",
        lambda w, p: f"/api/agenda-topics/{topic_for(w, p).pk}/",
        api=True,
        allowed=PARTNER_MANAGER_AND_HOST,
        method="patch",
        data=lambda w, p: {"title": "Dock door 5 is slow too"},
    ),
    Endpoint(
        "api:agenda-topic-delete",
        lambda w, p: f"/api/agenda-topics/{topic_for(w, p).pk}/",
        api=True,
        allowed=PARTNER_MANAGER_AND_HOST,
        method="delete",
        ok=(204,),
    ),
    Endpoint(
        "api:action-item-list",
        lambda w, p: (action_for(w, p), "/api/action-items/")[1],
        api=True,
        partner_scoped=False,
        marker=_action_marker,
    ),
    Endpoint("api:action-item-detail", lambda w, p: f"/api/action-items/{action_for(w, p).pk}/", api=True),
    Endpoint(
        "api:action-item-create",
        lambda w, p: "/api/action-items/",
        api=True,
        allowed=HOST,
        method="post",
        data=lambda w, p: {"partner": p.pk, "title": "Call the carrier", "owner": w.manager.pk, "due_date": _day(14)},
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:action-item-patch",
        lambda w, p: f"/api/action-items/{action_for(w, p).pk}/",
        api=True,
        allowed=HOST,
        method="patch",
        data=lambda w, p: {"title": "Call the carrier today"},
    ),
    Endpoint(
        "api:action-item-status",
        lambda w, p: f"/api/action-items/{action_for(w, p).pk}/",
        api=True,
        allowed=PARTNER_MANAGER_AND_HOST,
        method="patch",
        data=lambda w, p: {"status": "done"},
    ),
]

__all__ = ["EVERYONE"]
