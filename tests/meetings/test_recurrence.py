"""Plain-word recurrences become RRULEs; occurrences keep their local time across DST."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from meetings import recurrence, services
from meetings.models import Meeting
from tests.meetings.helpers import make_series

CPH = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("kwargs", "rrule"),
    [
        ({"pattern": "weekly", "weekday": "MO"}, "FREQ=WEEKLY;BYDAY=MO"),
        ({"pattern": "biweekly", "weekday": "TH"}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
        ({"pattern": "monthly_weekday", "weekday": "TU", "ordinal": 1}, "FREQ=MONTHLY;BYDAY=1TU"),
        ({"pattern": "monthly_weekday", "weekday": "FR", "ordinal": -1}, "FREQ=MONTHLY;BYDAY=-1FR"),
        ({"pattern": "monthly_day", "day": 15}, "FREQ=MONTHLY;BYMONTHDAY=15"),
        ({"pattern": "quarterly"}, "FREQ=MONTHLY;INTERVAL=3"),
        ({"pattern": "custom", "custom": "rrule:freq=weekly;byday=mo,we"}, "FREQ=WEEKLY;BYDAY=MO,WE"),
    ],
)
def test_plain_words_become_rrules_and_back(kwargs, rrule):
    assert recurrence.build_rrule(**kwargs) == rrule
    pattern, fields = recurrence.describe(rrule)
    assert pattern == kwargs["pattern"]
    if pattern not in ("quarterly", "custom"):
        assert recurrence.build_rrule(pattern=pattern, **fields) == rrule


@pytest.mark.parametrize(
    "bad", ["", "BYDAY=MO", "FREQ=SOMETIMES", "FREQ=HOURLY", "FREQ=WEEKLY;BYDAY=XX", "DTSTART:2026\nFREQ=DAILY"]
)
def test_bad_rrules_are_refused(bad):
    with pytest.raises(recurrence.RecurrenceError):
        recurrence.validate_rrule(bad)


def _local_times(instants):
    return [i.astimezone(CPH) for i in instants]


def test_spring_forward_keeps_nine_local():
    # Last Sunday of March 2026 is the 29th: the Monday before is CET (UTC+1), the Monday after CEST (UTC+2).
    instants = recurrence.occurrences_utc(
        rrule="FREQ=WEEKLY;BYDAY=MO",
        dtstart=datetime(2026, 3, 16, 9, 0),
        zone=CPH,
        start=date(2026, 3, 20),
        end=date(2026, 4, 5),
    )
    assert [i.astimezone(UTC).hour for i in instants] == [8, 7]
    assert [(t.date(), t.hour, t.minute) for t in _local_times(instants)] == [
        (date(2026, 3, 23), 9, 0),
        (date(2026, 3, 30), 9, 0),
    ]


def test_fall_back_keeps_nine_local():
    # Last Sunday of October 2026 is the 25th.
    instants = recurrence.occurrences_utc(
        rrule="FREQ=WEEKLY;BYDAY=MO",
        dtstart=datetime(2026, 10, 5, 9, 0),
        zone=CPH,
        start=date(2026, 10, 15),
        end=date(2026, 10, 31),
    )
    assert [i.astimezone(UTC).hour for i in instants] == [7, 8]
    assert {t.hour for t in _local_times(instants)} == {9}


def test_meeting_on_the_change_sunday_itself():
    # A Sunday 09:00 meeting on both change days is still 09:00 local.
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        instants = recurrence.occurrences_utc(
            rrule="FREQ=WEEKLY;BYDAY=SU", dtstart=datetime(2026, 3, 1, 9, 0), zone=CPH, start=day, end=day
        )
        assert len(instants) == 1
        assert instants[0].astimezone(CPH).hour == 9


def test_materialised_series_across_both_changes(world):
    series = make_series(world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=MO", first_date=date(2026, 3, 16))
    services.materialise(series=series, now=datetime(2026, 3, 1, tzinfo=UTC))
    rows = Meeting.objects.filter(series=series, start__date__gte=date(2026, 3, 20), start__date__lte=date(2026, 11, 3))
    local = [timezone_local(m.start) for m in rows.order_by("start")]
    assert len(local) == 33
    assert {(t.hour, t.minute) for t in local} == {(9, 0)}
    utc_hours = {m.start.date(): m.start.astimezone(UTC).hour for m in rows}
    assert utc_hours[date(2026, 3, 23)] == 8 and utc_hours[date(2026, 3, 30)] == 7
    assert utc_hours[date(2026, 10, 19)] == 7 and utc_hours[date(2026, 10, 26)] == 8
    assert all(m.end - m.start == series.duration for m in rows)


def timezone_local(dt):
    return dt.astimezone(CPH)


def test_materialising_twice_changes_nothing_and_keeps_moved_occurrences(world):
    series = make_series(world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=MO", first_date=date(2026, 3, 16))
    now = datetime(2026, 3, 1, tzinfo=UTC)
    services.materialise(series=series, now=now)
    count = series.meetings.count()
    moved = series.meetings.order_by("start")[2]
    cancelled = series.meetings.order_by("start")[3]
    Meeting.objects.filter(pk=moved.pk).update(
        start=moved.start.replace(hour=12), moved=True, end=moved.end.replace(hour=13)
    )
    Meeting.objects.filter(pk=cancelled.pk).update(status="cancelled")
    assert services.materialise(series=series, now=now) == 0
    assert series.meetings.count() == count
    moved.refresh_from_db()
    cancelled.refresh_from_db()
    assert moved.moved and moved.start.hour == 12
    assert cancelled.status == "cancelled"


def test_changing_the_rule_moves_future_planned_occurrences(world):
    series = make_series(world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=MO")
    assert series.meetings.filter(start__gt=series.created_at).exists()
    services.series_update(user=world.manager, series=series, rrule="FREQ=WEEKLY;BYDAY=WE")
    future = series.meetings.filter(start__gt=series.created_at, status="planned")
    assert future.exists()
    assert {m.start.astimezone(CPH).weekday() for m in future} == {2}


def test_series_refuses_participants_of_another_partner(world):
    with pytest.raises(ValidationError) as exc:
        make_series(world, world.partner_a, participants=[world.manager, world.b_manager])
    assert "participants" in exc.value.message_dict


def test_series_refuses_bad_zone_and_offsets(world):
    with pytest.raises(ValidationError) as exc:
        services.series_create(
            user=world.manager,
            partner=world.partner_a,
            title="x",
            rrule="FREQ=MONTHLY",
            time_zone="Mars/Olympus",
            first_date=date(2026, 1, 1),
            start_time=time(9),
            reminder_offsets=["soon"],
        )
    assert {"time_zone", "reminder_offsets"} <= set(exc.value.message_dict)
    assert not Meeting.objects.exists()
