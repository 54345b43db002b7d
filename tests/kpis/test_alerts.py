"""Critical breaches notify both sides once per breach; successes are detected, recorded and notified once."""

from datetime import date

import pytest
from django.utils import timezone

from kpis import tasks
from kpis.models import Success
from kpis.services import MeasurementInput, measurement_upsert, measurements_upsert
from partnerportal.notifications.models import Notification
from tests.kpis.helpers import kpi, setup_partner

pytestmark = pytest.mark.django_db


def _error(world, day, numerator, denominator=100):
    return measurement_upsert(
        user=world.manager,
        partner=world.partner_a,
        kpi=kpi("error-rate"),
        period_kind="day",
        period_start=day,
        numerator=numerator,
        denominator=denominator,
    )


def _today_is(monkeypatch, day):
    """The portal's local date (the service refuses future periods; successes wait for complete months)."""
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, tz=None: day if value is None else real(value, tz))


def test_breach_notifies_both_sides_once_with_chart_link(world):
    error = setup_partner(world.partner_a)[0]
    error.responsible_host = world.manager
    error.responsible_partner = world.a_manager
    error.save()
    _error(world, date(2025, 3, 3), 1)  # 1 %: on target
    assert not Notification.objects.filter(kind="kpis.breach").exists()
    _error(world, date(2025, 3, 4), 9)  # month: 10/200 = 5 % ≥ 2.5 %
    _error(world, date(2025, 3, 5), 8)  # still critical: no second notification
    breaches = Notification.objects.filter(kind="kpis.breach")
    assert sorted(n.recipient.username for n in breaches) == ["a_manager", "manager"]
    assert {n.key for n in breaches} == {f"kpi:breach:{error.pk}:2025-03"}
    assert all(n.url.endswith(f"/kpis/assignment/{error.pk}/") for n in breaches)
    assert "Error rate" in breaches[0].subject
    _error(world, date(2025, 4, 1), 5)  # another month, another breach
    assert Notification.objects.filter(kind="kpis.breach").count() == 4


def test_breach_email_names_the_kpi_in_the_recipients_language(world):
    error = setup_partner(world.partner_a)[0]
    error.responsible_host = world.manager
    error.responsible_partner = world.a_manager
    error.save()
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    _error(world, date(2025, 3, 4), 10)
    danish = Notification.objects.get(kind="kpis.breach", recipient=world.a_manager)
    english = Notification.objects.get(kind="kpis.breach", recipient=world.manager)
    assert danish.subject.startswith("Fejlrate for ") and "krydsede den kritiske grænse" in danish.subject
    assert "Fejlrate" in danish.body and "Error rate" not in danish.body
    assert english.subject.startswith("Error rate for ")


def test_breach_of_an_internal_kpi_never_reaches_the_partner(world):
    internal = setup_partner(world.partner_a)[2]
    from kpis.models import KPITarget

    KPITarget.objects.filter(partner_kpi=internal).update(critical=50, warning=80)
    measurements_upsert(
        user=world.manager,
        items=[
            MeasurementInput(
                partner=world.partner_a, kpi=internal.kpi, period_kind="day", period_start=date(2025, 3, 3), value=10
            )
        ],
        source="api",
    )
    recipients = set(Notification.objects.filter(kind="kpis.breach").values_list("recipient__username", flat=True))
    assert recipients == {"manager"}


def test_streak_and_record_successes_recorded_and_notified_once(world):
    setup_partner(world.partner_a)
    # Four complete months on target (1 %, 0.9 %, 0.8 %, 0.5 %): a streak of 3 from January, and
    # April is a new best after three earlier months.
    for month, numerator in ((1, 10), (2, 9), (3, 8)):
        _error(world, date(2025, month, 10), numerator, 1000)
    assert list(Success.objects.values_list("kind", "period_start")) == [("streak", date(2025, 1, 1))]
    _error(world, date(2025, 4, 10), 5, 1000)
    kinds = sorted(Success.objects.values_list("kind", "period_start"))
    assert kinds == [("record", date(2025, 4, 1)), ("streak", date(2025, 1, 1))]
    # Re-posting the same data and a correction that keeps the streak add nothing.
    _error(world, date(2025, 4, 10), 5, 1000)
    _error(world, date(2025, 3, 10), 7, 1000)
    assert Success.objects.count() == 2
    notes = Notification.objects.filter(kind="kpis.success")
    assert notes.count() == 2 * 2  # two successes × (host manager + partner manager)
    assert notes.values("key").distinct().count() == 2


def test_streak_counts_only_months_that_meet_the_target_value(world):
    setup_partner(world.partner_a)  # error rate: target 1.0 %, warning 1.5 %
    # 1.2 %, 1.3 %, 1.4 %: "on target" by status (not beyond the warning threshold), yet each misses 1.0 %.
    for month, numerator in ((1, 12), (2, 13), (3, 14)):
        _error(world, date(2025, month, 10), numerator, 1000)
    assert not Success.objects.filter(kind="streak").exists()
    # Two months meeting the target after March's miss: no streak yet (the walk back stops at March).
    _error(world, date(2025, 4, 10), 10, 1000)
    _error(world, date(2025, 5, 10), 9, 1000)
    assert not Success.objects.filter(kind="streak").exists()
    _error(world, date(2025, 6, 10), 10, 1000)
    streaks = Success.objects.filter(kind="streak")
    assert list(streaks.values_list("period_start", flat=True)) == [date(2025, 4, 1)]


def test_task_judges_a_month_whose_values_were_written_while_it_was_running(world, monkeypatch):
    setup_partner(world.partner_a)
    # January misses the 1.0 % target; February and March meet it.
    for month, numerator in ((1, 12), (2, 10), (3, 9)):
        _error(world, date(2025, month, 10), numerator, 1000)
    assert not Success.objects.exists()
    # April's values arrive while April is running, the last on its last day: 5 / 2000 = 0.25 %.
    for day, numerator in ((10, 3), (30, 2)):
        _today_is(monkeypatch, date(2025, 4, day))
        _error(world, date(2025, 4, day), numerator, 1000)
    assert not Success.objects.exists()  # April was not complete yet
    _today_is(monkeypatch, date(2025, 5, 1))
    assert tasks.judge_complete_month() == 1
    # A streak of February, March and April, and April as the best month after three earlier ones.
    kinds = sorted(Success.objects.values_list("kind", "period_start"))
    assert kinds == [("record", date(2025, 4, 1)), ("streak", date(2025, 2, 1))]
    tasks.judge_complete_month()  # beat runs it every few hours: nothing new
    assert Success.objects.count() == 2
    notes = Notification.objects.filter(kind="kpis.success")
    assert notes.count() == 2 * 2  # two successes × (host manager + partner manager)
    assert notes.values("key").distinct().count() == 2


def test_task_does_not_notify_a_breach_twice(world, monkeypatch):
    setup_partner(world.partner_a)
    _today_is(monkeypatch, date(2025, 3, 31))
    _error(world, date(2025, 3, 31), 10)  # 10 %: critical, notified at once
    breaches = Notification.objects.filter(kind="kpis.breach")
    assert breaches.count() == 2
    _today_is(monkeypatch, date(2025, 4, 1))
    assert tasks.judge_complete_month() == 1
    assert tasks.judge_complete_month() == 1
    assert breaches.count() == 2
    _today_is(monkeypatch, date(2025, 5, 1))
    assert tasks.judge_complete_month() == 0  # no data for April


def test_task_is_registered_in_the_beat_schedule():
    from partnerportal import schedule
    from partnerportal.celery import app

    specs = {spec.name: spec for spec in schedule.registered()}
    spec = specs["KPIs: judge the last complete month"]
    assert spec.task == "kpis.tasks.judge_complete_month" and spec.every_seconds == 6 * 3600
    app.loader.import_default_modules()
    assert "kpis.tasks.judge_complete_month" in app.tasks


def _people_queries(queries) -> int:
    return sum('FROM "partners_user"' in q["sql"] for q in queries)


def test_the_responsible_people_are_read_once_and_only_when_someone_is_told(world):
    """The written rows' assignments come without their people; a write that tells nobody reads none,
    one that tells several named people reads them in one query, and each gets their notification."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for partner, responsible in ((world.partner_a, world.a_manager), (world.partner_b, world.b_manager)):
        error = setup_partner(partner)[0]
        error.responsible_host = world.manager
        error.responsible_partner = responsible
        error.save()

    def write(day, numerator):
        items = [
            MeasurementInput(
                partner=partner,
                kpi=kpi("error-rate"),
                period_kind="day",
                period_start=day,
                numerator=numerator,
                denominator=100,
            )
            for partner in (world.partner_a, world.partner_b)
        ]
        with CaptureQueriesContext(connection) as captured:
            measurements_upsert(user=world.manager, items=items, source="api")
        return _people_queries(captured.captured_queries)

    assert write(date(2025, 3, 3), 1) == 0  # 1 %: on target, nobody told
    assert not Notification.objects.exists()
    assert write(date(2025, 3, 4), 9) == 1  # both months critical: four people, one query
    told = Notification.objects.filter(kind="kpis.breach")
    assert sorted(n.recipient.username for n in told) == ["a_manager", "b_manager", "manager", "manager"]
    assert {(n.recipient.username, n.partner_id) for n in told if n.recipient != world.manager} == {
        ("a_manager", world.partner_a.pk),
        ("b_manager", world.partner_b.pk),
    }
