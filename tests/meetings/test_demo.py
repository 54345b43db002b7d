import importlib
import io
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from meetings.models import ActionItem, AgendaTopic, Meeting, MeetingSeries
from partnerportal.management.commands.seed_demo import Demo, as_of
from tests.meetings.helpers import CPH, ensure_standard_kpis


def _counts():
    return (
        MeetingSeries.objects.count(),
        Meeting.objects.count(),
        ActionItem.objects.count(),
        AgendaTopic.objects.count(),
        Meeting.objects.filter(status="held").count(),
    )


def _seed():
    ensure_standard_kpis()  # a reused test database may have been flushed by a transactional test
    demo = Demo(stdout=io.StringIO())
    for app in ("partners", "kpis", "meetings"):
        importlib.import_module(f"{app}.demo").seed(demo)
    return demo


def test_demo_meetings_are_complete_and_idempotent(db):
    demo = _seed()
    counts = _counts()
    assert counts[0] == len(demo.objects["partners"]) == 4
    held = Meeting.objects.filter(status="held")
    assert held.count() >= 4 * 4
    assert all(m.minutes and m.decisions and m.minutes_published_at and m.agenda_snapshot["kpis"] for m in held)
    assert Meeting.objects.filter(status="planned", start__gt=timezone.now()).count() >= 4 * 11
    open_items = ActionItem.objects.open()
    assert open_items.filter(owner__organization__kind="host").exists()
    assert open_items.exclude(owner__organization__kind="host").exists()
    assert ActionItem.objects.filter(status="done").exists()
    _seed()
    assert _counts() == counts


@pytest.mark.parametrize("hour", [7, 12])
def test_the_first_tuesday_series_has_its_meeting_on_a_first_tuesday(db, hour):
    """Seeded on 1 December 2026, a first Tuesday: before 09:00 the day's meeting is still ahead, after
    it the meeting was this morning. Either way the December meeting exists (it was missing when the
    demo was seeded after 09:00: the series' generator makes the occurrences from now on, the demo's
    past meetings stopped at yesterday)."""
    today = date(2026, 12, 1)
    with as_of(datetime.combine(today, time(hour), tzinfo=CPH)):
        _seed()
        for series in MeetingSeries.objects.all():
            assert series.rrule == "FREQ=MONTHLY;BYDAY=1TU"
            days = {m.start.astimezone(CPH).date(): m for m in series.meetings.all()}
            december = days.get(today)
            assert december is not None, f"{series.partner}: no meeting on {today}"
            assert december.start.astimezone(CPH).time() == time(9, 0)
            assert december.status == ("planned" if hour < 9 else "held")
            assert date(2026, 11, 3) in days and date(2027, 1, 5) in days
            assert days[date(2026, 11, 3)].status == "held" and days[date(2027, 1, 5)].status == "planned"
            # every first Tuesday from the first meeting to the last, and no other day
            firsts = sorted(days)
            assert all(d.weekday() == 1 and d.day <= 7 for d in firsts)
            assert len(firsts) == (firsts[-1].year - firsts[0].year) * 12 + firsts[-1].month - firsts[0].month + 1
