import importlib
import io

from django.utils import timezone

from meetings.models import ActionItem, AgendaTopic, Meeting, MeetingSeries
from partnerportal.management.commands.seed_demo import Demo
from tests.meetings.helpers import ensure_standard_kpis


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
