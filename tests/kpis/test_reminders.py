"""The "KPI figures missing" reminder: partner managers are asked for last month's figures once a month,
also when the daily run was missed for days."""

from datetime import date

from django.utils import timezone

from kpis import reminders, tasks
from partnerportal.notifications.models import Notification
from tests.factories import UserFactory
from tests.kpis.helpers import assign, measure
from tests.meetings.helpers import ensure_standard_kpis


def test_missing_kpi_data_asks_partner_managers_once(world):
    ensure_standard_kpis()
    assign(world.partner_a, "error-rate", partner_can_submit=True, target=1.0)
    assign(world.partner_b, "error-rate", partner_can_submit=True, target=1.0)
    today = date(2026, 6, 3)
    measure(world.partner_a, "error-rate", date(2026, 4, 10), numerator=5, denominator=1000)  # nothing in May
    measure(world.partner_b, "error-rate", date(2026, 4, 10), numerator=5, denominator=1000)
    measure(world.partner_b, "error-rate", date(2026, 5, 10), numerator=5, denominator=1000)  # B reported May
    assert reminders.remind_missing_data(today=today) == 1
    assert reminders.remind_missing_data(today=today) == 0
    row = Notification.objects.get(key__startswith="kpi-missing:")
    assert row.recipient == world.a_manager
    assert row.key == f"kpi-missing:{world.partner_a.pk}:2026-05"
    assert row.kind == "kpis.data_missing"
    assert row.subject == "Please submit your KPI figures for May 2026"
    assert "Please submit them before the next status meeting." in row.body


def test_missing_kpi_data_reminder_missed_in_the_first_week_is_sent_later_in_the_month_once(world, monkeypatch):
    ensure_standard_kpis()
    assign(world.partner_a, "error-rate", partner_can_submit=True, target=1.0)
    measure(world.partner_a, "error-rate", date(2026, 4, 10), numerator=5, denominator=1000)  # nothing in May
    # Beat could not reach the broker from the 1st to the 19th of June: the daily run of the 20th is the first.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 6, 20))
    assert tasks.remind_missing_data() == 1
    assert tasks.remind_missing_data() == 0
    # A partner manager who joins later that month is not sent May's reminder a second time for the partner.
    UserFactory(username="a_manager_2", organization=world.partner_a, role="partner_manager")
    assert tasks.remind_missing_data() == 0
    assert Notification.objects.filter(key=f"kpi-missing:{world.partner_a.pk}:2026-05").count() == 1
