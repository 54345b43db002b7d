"""The agenda is built from the data: KPI results since the last meeting, actions, topics, other apps."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from kpis.models import Measurement
from meetings import agenda, services
from tests.conftest import client_for
from tests.kpis.helpers import internal_kpi, measure, setup_partner
from tests.meetings.helpers import action_for, ensure_standard_kpis, meeting_for, past_meeting, topic_for


@pytest.fixture(autouse=True)
def _standard_kpis(db):
    ensure_standard_kpis()  # a reused test database may have been flushed by a transactional test


def _kpi_day(meeting):
    start, end = agenda.kpi_period(meeting)
    return end


def test_agenda_shows_kpi_results_actions_and_topics(world):
    setup_partner(world.partner_a)
    meeting = meeting_for(world, world.partner_a, days=3)
    measure(world.partner_a, "error-rate", _kpi_day(meeting), numerator=21, denominator=1000)
    overdue = action_for(world, world.partner_a, due=meeting.start.date() - timedelta(days=30))
    open_item = action_for(world, world.partner_a)
    topic_for(world, world.partner_a, meeting)
    services.topic_add(user=world.manager, meeting=meeting, title="Internal: renegotiate rates", internal=True)

    data = agenda.build_agenda(meeting=meeting, user=world.manager)
    error = next(r for r in data["kpis"] if r["code"] == "error-rate")
    assert error["actual"] == pytest.approx(2.1)
    assert error["status"] == "warning"
    assert overdue in data["overdue_actions"] and open_item in data["open_actions"]
    assert len(data["topics"]) == 2

    page = client_for(world.a_viewer).get(meeting.get_absolute_url()).content.decode()
    assert "2.10" in page
    assert internal_kpi().name not in page  # the internal KPI stays with the host
    assert "renegotiate rates" not in page  # and so does the internal topic
    assert f"Topic of {world.partner_a.name}" in page
    host_page = client_for(world.manager).get(meeting.get_absolute_url()).content.decode()
    assert internal_kpi().name in host_page and "renegotiate rates" in host_page


def test_period_runs_from_the_previous_meeting(world):
    first = past_meeting(world, world.partner_a, days=40)
    second = meeting_for(world, world.partner_a, days=3)
    start, end = agenda.kpi_period(second)
    assert start == first.start.astimezone(agenda.ZoneInfo("Europe/Copenhagen")).date()
    assert end == second.start.astimezone(agenda.ZoneInfo("Europe/Copenhagen")).date() - timedelta(days=1)


def test_held_meeting_keeps_the_figures_that_were_discussed(world):
    setup_partner(world.partner_a)
    meeting = past_meeting(world, world.partner_a, days=2)
    m = measure(world.partner_a, "error-rate", _kpi_day(meeting), numerator=21, denominator=1000)
    client = client_for(world.manager)
    assert client.post(f"/meetings/{meeting.pk}/held/").status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert next(r for r in meeting.agenda_snapshot["kpis"] if r["code"] == "error-rate")["actual"] == pytest.approx(2.1)

    # The data is corrected afterwards …
    Measurement.objects.filter(pk=m.pk).update(numerator=5, value=0.5)
    from kpis import rollups

    rollups.refresh([(world.partner_a.pk, m.kpi_id, m.period_start)])
    live = agenda.kpi_rows(
        meeting=meeting.__class__(pk=None, partner=meeting.partner, start=meeting.start, end=meeting.end),
        user=world.manager,
    )
    assert next(r for r in live if r["code"] == "error-rate")["actual"] == pytest.approx(0.5)
    # … but the held meeting still shows what was discussed, to both sides.
    for user in (world.manager, world.a_viewer):
        page = client_for(user).get(meeting.get_absolute_url()).content.decode()
        assert "frozen when the meeting was held" in page
        assert "2.10" in page and "0.50" not in page
    assert internal_kpi().name not in client_for(world.a_viewer).get(meeting.get_absolute_url()).content.decode()


def test_future_meeting_cannot_be_held(world):
    meeting = meeting_for(world, world.partner_a, days=3)
    with pytest.raises(ValidationError):
        services.meeting_mark_held(user=world.manager, meeting=meeting)


def test_registered_sources_join_the_agenda(world):
    seen = []

    def source(meeting, user):
        seen.append(user)
        return [{"title": f"Open notice for {meeting.partner.name}", "url": "/relations/", "detail": "high"}]

    agenda.register_source("test_notices", "Test notices", source)
    try:
        meeting = meeting_for(world, world.partner_a, days=3)
        page = client_for(world.a_manager).get(meeting.get_absolute_url()).content.decode()
        assert f"Open notice for {world.partner_a.name}" in page
        assert seen[-1] == world.a_manager  # called for the viewer (and for each reminder recipient)
    finally:
        agenda._SOURCES.pop("test_notices", None)


def test_a_broken_source_does_not_break_the_agenda(world):
    def broken(meeting, user):
        raise RuntimeError("boom")

    agenda.register_source("test_broken", "Broken", broken)
    try:
        meeting = meeting_for(world, world.partner_a, days=3)
        assert client_for(world.manager).get(meeting.get_absolute_url()).status_code == 200
    finally:
        agenda._SOURCES.pop("test_broken", None)
