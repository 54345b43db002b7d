"""A running month alerts a critical breach only once its values cover 10 days, and says "so far"; a month
with less is judged when it is complete."""

from datetime import date

import pytest
from django.utils import timezone

from kpis import alerts, tasks
from kpis.services import measurement_upsert
from partnerportal.notifications.models import Notification
from tests.kpis.helpers import kpi, setup_partner

pytestmark = pytest.mark.django_db


def _today_is(monkeypatch, day):
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, tz=None: day if value is None else real(value, tz))


def _error(world, monkeypatch, day, numerator, denominator=100, *, today=None):
    _today_is(monkeypatch, today or day)
    return measurement_upsert(
        user=world.manager,
        partner=world.partner_a,
        kpi=kpi("error-rate"),
        period_kind="day",
        period_start=day,
        numerator=numerator,
        denominator=denominator,
    )


@pytest.fixture
def error_rate(world):
    error = setup_partner(world.partner_a)[0]  # target 1 %, critical 2.5 %
    error.responsible_host = world.manager
    error.responsible_partner = world.a_manager
    error.save()
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    return error


def test_one_bad_day_on_the_first_does_not_alert_ten_days_do_and_say_so_far(world, error_rate, monkeypatch):
    breaches = Notification.objects.filter(kind="kpis.breach")
    _error(world, monkeypatch, date(2026, 12, 1), 10)  # 10 % on 1 December
    assert not breaches.exists()
    for day in range(2, 10):
        _error(world, monkeypatch, date(2026, 12, day), 2)
    assert not breaches.exists()  # 9 days: still too little of the month
    _error(world, monkeypatch, date(2026, 12, 10), 2)  # 28 / 1000 = 2.8 % over 10 days
    assert alerts.RUNNING_MONTH_MIN_DAYS == 10
    english = breaches.get(recipient=world.manager)
    danish = breaches.get(recipient=world.a_manager)
    assert english.subject == (
        "Error rate for Alfa Logistik A/S has crossed the critical threshold so far in December 2026"
    )
    assert "is 2.8 % so far in December 2026 (data up to 10 Dec 2026, 10 of 31 days)" in english.body
    assert "The month is still running: the figure can still change." in english.body
    assert danish.subject == (
        "Fejlrate for Alfa Logistik A/S har indtil videre krydset den kritiske grænse i december 2026"
    )
    assert "indtil videre i december 2026 (data til og med 10. dec. 2026, 10 af 31 dage)" in danish.body
    assert "Måneden er ikke slut endnu" in danish.body
    # Once per month, however the month goes on.
    _error(world, monkeypatch, date(2026, 12, 11), 9)
    assert breaches.count() == 2


def test_a_month_with_too_little_data_is_judged_when_it_is_complete(world, error_rate, monkeypatch):
    breaches = Notification.objects.filter(kind="kpis.breach")
    # November: a bad 1st, then good days up to the end: it ends on target, nobody is alerted.
    _error(world, monkeypatch, date(2026, 11, 1), 10, today=date(2026, 11, 1))
    for day in range(2, 31):
        _error(world, monkeypatch, date(2026, 11, day), 0)
    # December: only three (bad) days of values come in while it runs.
    for day in (1, 2, 3):
        _error(world, monkeypatch, date(2026, 12, day), 10)
    assert not breaches.exists()
    _today_is(monkeypatch, date(2027, 1, 1))
    tasks.judge_complete_month()
    # The complete month alerts, with the plain complete-month text.
    english = breaches.get(recipient=world.manager)
    assert english.key == f"kpi:breach:{error_rate.pk}:2026-12"
    assert english.subject == "Error rate for Alfa Logistik A/S crossed the critical threshold in December 2026"
    assert "so far" not in english.body
    assert breaches.get(recipient=world.a_manager).subject.endswith("krydsede den kritiske grænse i december 2026")
    assert not breaches.filter(key__endswith="2026-11").exists()


def test_a_week_or_month_value_covers_its_days(world, error_rate, monkeypatch):
    _today_is(monkeypatch, date(2026, 12, 20))
    measurement_upsert(
        user=world.manager,
        partner=world.partner_a,
        kpi=kpi("error-rate"),
        period_kind="week",
        period_start=date(2026, 12, 7),  # Monday 7 to Sunday 13 December
        numerator=10,
        denominator=100,
    )
    assert alerts.data_until(error_rate, date(2026, 12, 1)) == date(2026, 12, 13)
    body = Notification.objects.get(kind="kpis.breach", recipient=world.manager).body
    assert "(data up to 13 Dec 2026, 13 of 31 days)" in body
