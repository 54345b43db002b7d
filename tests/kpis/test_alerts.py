"""Critical breaches notify both sides once per breach; successes are detected, recorded and notified once."""

from datetime import date

import pytest

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


def test_breach_notifies_both_sides_once_with_chart_link(world):
    error = setup_partner(world.partner_a)[0]
    error.responsible_host = world.manager
    error.responsible_partner = world.a_manager
    error.save()
    _error(world, date(2025, 3, 3), 1)  # 1 %: on target
    assert not Notification.objects.filter(kind="kpi_breach").exists()
    _error(world, date(2025, 3, 4), 9)  # month: 10/200 = 5 % ≥ 2.5 %
    _error(world, date(2025, 3, 5), 8)  # still critical: no second notification
    breaches = Notification.objects.filter(kind="kpi_breach")
    assert sorted(n.recipient.username for n in breaches) == ["a_manager", "manager"]
    assert {n.key for n in breaches} == {f"kpi:breach:{error.pk}:2025-03"}
    assert all(n.url.endswith(f"/kpis/assignment/{error.pk}/") for n in breaches)
    assert "Error rate" in breaches[0].subject
    _error(world, date(2025, 4, 1), 5)  # another month, another breach
    assert Notification.objects.filter(kind="kpi_breach").count() == 4


def test_breach_email_names_the_kpi_in_the_recipients_language(world):
    error = setup_partner(world.partner_a)[0]
    error.responsible_host = world.manager
    error.responsible_partner = world.a_manager
    error.save()
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    _error(world, date(2025, 3, 4), 10)
    danish = Notification.objects.get(kind="kpi_breach", recipient=world.a_manager)
    english = Notification.objects.get(kind="kpi_breach", recipient=world.manager)
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
    recipients = set(Notification.objects.filter(kind="kpi_breach").values_list("recipient__username", flat=True))
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
    notes = Notification.objects.filter(kind="kpi_success")
    assert notes.count() == 2 * 2  # two successes × (host manager + partner manager)
    assert notes.values("key").distinct().count() == 2
