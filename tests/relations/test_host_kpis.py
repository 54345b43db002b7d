"""The host KPIs the portal computes from its own records (relations.host_kpis), and the host's half in the
health score and the meeting agenda (issue 18)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kpis import selectors as kpi_selectors
from kpis.models import KPIDefinition, Measurement
from kpis.standard import HOST_KPIS, HOST_RESPONSE_TIME
from meetings import agenda
from partnerportal import schedule
from relations import health, host_kpis, services
from relations.models import Case, Notice
from tests.conftest import client_for
from tests.kpis.helpers import assign, measure, setup_partner
from tests.meetings.helpers import ensure_standard_kpis, meeting_for
from tests.relations import helpers

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def _standard_kpis(db):
    """A reused test database may have been flushed by a transactional test: put the standard KPIs back."""
    ensure_standard_kpis()
    for spec in HOST_KPIS:
        fields = {k: v for k, v in spec.items() if k != "code"}
        KPIDefinition.objects.update_or_create(code=spec["code"], defaults={**fields, "is_standard": True})


def _at(*args):
    return datetime(*args, tzinfo=CPH)


def _answered(world, model, *, opened, hours, by_partner=True):
    """A notice or case of the partner's side (or the host's) answered `hours` after `opened`; the times are
    set afterwards (update(): no signal), so the test decides when the refresh runs."""
    if model is Notice:
        subject = helpers.notice(world, world.partner_a, by=world.a_manager if by_partner else world.manager)
        opened_field = "posted_at"
    else:
        subject = helpers.case(world, world.partner_a, by=world.a_manager if by_partner else world.manager)
        opened_field = "raised_at"
    answered_by = world.manager if by_partner else world.a_manager
    model.objects.filter(pk=subject.pk).update(
        **{opened_field: opened}, acknowledged_by=answered_by, acknowledged_at=opened + timedelta(hours=hours)
    )
    return subject


@pytest.fixture
def recorded(world):
    assign(world.partner_a, HOST_RESPONSE_TIME, target=8, warning=24, critical=48)
    march = [
        _answered(world, Notice, opened=_at(2025, 3, 10, 8), hours=2),
        _answered(world, Notice, opened=_at(2025, 3, 20, 9), hours=10),
        _answered(world, Case, opened=_at(2025, 3, 5, 12), hours=30),
    ]
    april = [
        _answered(world, Notice, opened=_at(2025, 4, 2, 8), hours=4),
        # Answered at 00:30 on 1 April in Copenhagen (22:30 UTC on 31 March): April's.
        _answered(world, Case, opened=_at(2025, 3, 31, 23, 30), hours=1),
    ]
    # Not the host's answers: the host's own notice answered by the partner, and one not answered yet.
    _answered(world, Notice, opened=_at(2025, 3, 11, 8), hours=100, by_partner=False)
    unanswered = helpers.notice(world, world.partner_a)
    Notice.objects.filter(pk=unanswered.pk).update(posted_at=_at(2025, 3, 12, 8))
    return {"march": march, "april": april, "hours": {"march": [2, 10, 30], "april": [4, 1]}}


def test_the_computed_response_time_is_the_recorded_times_aggregated_exactly(world, recorded):
    assert host_kpis.refresh_response_time(partner=world.partner_a, months=[date(2025, 3, 1), date(2025, 4, 1)])
    kpi = KPIDefinition.objects.get(code=HOST_RESPONSE_TIME)
    stored = {m.period_start: m for m in Measurement.objects.filter(partner=world.partner_a, kpi=kpi)}
    assert set(stored) == {date(2025, 3, 1), date(2025, 4, 1)}
    for month, key in ((date(2025, 3, 1), "march"), (date(2025, 4, 1), "april")):
        hours = recorded["hours"][key]
        m = stored[month]
        assert (m.period_kind, m.source, m.entered_by) == ("month", "portal", None)
        assert m.value == pytest.approx(sum(hours) / len(hours)) and m.sample_size == len(hours)
    # Over both months: the plain average of every answer (weighted by the number, not the mean of months).
    every = recorded["hours"]["march"] + recorded["hours"]["april"]
    results = kpi_selectors.kpi_results(
        user=world.manager, partner=world.partner_a, start=date(2025, 3, 1), end=date(2025, 4, 30)
    )
    result = next(r for r in results if r.code == HOST_RESPONSE_TIME)
    assert result.subject == "host"
    assert result.actual == pytest.approx(sum(every) / len(every))  # 47 / 5 = 9.4, not (14 + 2.5) / 2
    # The same figure for the partner, through the API's scorecard.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=world.a_manager)[0].key}")
    body = client.get(
        reverse("api:kpi-scorecard", args=[world.partner_a.pk]), {"granularity": "year", "day": "2025-03-01"}
    ).json()
    assert {r["code"]: r["actual"] for r in body["results"]}[HOST_RESPONSE_TIME] == pytest.approx(9.4)


def test_the_computation_is_idempotent_and_a_month_without_answers_has_no_data(world, recorded):
    months = [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
    host_kpis.refresh_response_time(partner=world.partner_a, months=months)
    history = Measurement.history.count()
    host_kpis.refresh_response_time(partner=world.partner_a, months=months)
    assert Measurement.objects.count() == 2 and Measurement.history.count() == history  # nothing changed
    assert not Measurement.objects.filter(period_start=date(2025, 2, 1)).exists()  # February: no data, not 0
    # April's answers disappear: its value goes, the month shows no data (never 0).
    for subject in recorded["april"]:
        type(subject).objects.filter(pk=subject.pk).delete()
    host_kpis.refresh_response_time(partner=world.partner_a, months=months)
    assert list(Measurement.objects.values_list("period_start", flat=True)) == [date(2025, 3, 1)]
    card = kpi_selectors.scorecard(user=world.a_manager, partner=world.partner_a, day=date(2025, 4, 10))
    row = next(r for r in card.results if r.code == HOST_RESPONSE_TIME)
    assert row.actual is None and row.status == kpi_selectors.NO_DATA
    assert card.overall_host is None


def test_a_partner_without_the_kpi_gets_nothing(world, recorded):
    assert not host_kpis.refresh_response_time(partner=world.partner_b, months=[date(2025, 3, 1)])
    assert not Measurement.objects.filter(partner=world.partner_b).exists()


def test_acknowledging_writes_the_month_at_once(world):
    assign(world.partner_a, HOST_RESPONSE_TIME)
    notice = helpers.notice(world, world.partner_a)
    case = helpers.case(world, world.partner_a, by=world.a_manager)
    assert not Measurement.objects.exists()
    services.notice_acknowledge(user=world.manager, notice=notice)
    services.case_acknowledge(user=world.manager, case=case)
    m = Measurement.objects.get()
    notice.refresh_from_db()
    case.refresh_from_db()
    expected = [
        (notice.acknowledged_at - notice.posted_at).total_seconds() / 3600,
        (case.acknowledged_at - case.raised_at).total_seconds() / 3600,
    ]
    assert m.period_start == timezone.localdate().replace(day=1) and m.source == "portal"
    assert m.sample_size == 2 and m.value == pytest.approx(sum(expected) / 2)
    # The host acknowledging the partner's notice is the host's answer; the partner acknowledging the
    # host's notice is not.
    host_notice = helpers.notice(world, world.partner_a, by=world.manager)
    services.notice_acknowledge(user=world.a_manager, notice=host_notice)
    assert Measurement.objects.get().sample_size == 2


def test_the_periodic_task_is_registered_and_refreshes_every_assigned_partner(world, recorded):
    assert "relations.tasks.refresh_host_kpis" in {spec.task for spec in schedule.registered()}
    assert host_kpis.refresh_all(today=date(2025, 4, 20)) == 1
    assert Measurement.objects.filter(partner=world.partner_a).count() == 2


def test_the_health_score_has_the_host_half_as_its_own_part(world):
    setup_partner(world.partner_a)
    assign(world.partner_a, "forecast-accuracy", target=90, warning=85, critical=75)
    month = timezone.localdate().replace(day=1)
    measure(world.partner_a, "error-rate", month, numerator=5, denominator=100)  # critical
    measure(world.partner_a, "forecast-accuracy", month, numerator=19, denominator=20)  # on target
    score, parts = health.compute(world.partner_a, month)
    by_key = {p.key: p for p in parts}
    assert by_key["kpi"].score == 0 and by_key["host_kpi"].score == 100
    assert "host_kpi" in health.WEIGHTS and by_key["host_kpi"].explanation
    assert score == round(sum(p.weight * p.score for p in parts if p.score is not None) / (35 + 15))
    # A partner without host KPIs: the part is left out, its score as before.
    _score_b, parts_b = health.compute(world.partner_b, month)
    assert {p.key: p for p in parts_b}["host_kpi"].score is None
    snap = health.snapshot(world.partner_a, month)
    assert snap.parts["host_kpi"]["score"] == 100
    page = client_for(world.a_manager).get(reverse("relations:health", args=[world.partner_a.pk]))
    assert page.status_code == 200 and "How we do: host KPI attainment" in page.content.decode()


def test_the_agenda_shows_the_host_half_as_its_own_block(world, client_as):
    setup_partner(world.partner_a)
    assign(world.partner_a, "on-time-payment", target=98, warning=95, critical=90)
    meeting = meeting_for(world, world.partner_a, days=3)
    _start, end = agenda.kpi_period(meeting)
    measure(world.partner_a, "on-time-payment", end, numerator=49, denominator=50)
    data = agenda.build_agenda(meeting=meeting, user=world.a_manager)
    assert [r["code"] for r in data["host_kpis"]] == ["on-time-payment"]
    assert data["host_kpis"][0]["actual"] == pytest.approx(98.0)
    assert "on-time-payment" not in {r["code"] for r in data["kpis"]}
    assert "error-rate" in {r["code"] for r in data["kpis"]}
    html = client_as(world.a_manager).get(meeting.get_absolute_url()).content.decode()
    block = html[html.index('id="agenda-host-kpis"') :]
    assert "How we do" in block[:200] and 'data-code="on-time-payment"' in block
    # Frozen with the meeting: the host's rows keep their block.
    frozen = agenda.freeze(meeting=meeting, user=world.manager)
    assert {r["code"]: r["subject"] for r in frozen["kpis"]}["on-time-payment"] == "host"
