"""Django admin for KPIs: targets are shown but changed only through the portal (history kept)."""

from datetime import date

import pytest
from django.urls import reverse

from kpis.models import KPITarget
from tests.kpis.helpers import setup_partner

pytestmark = pytest.mark.django_db


def test_targets_are_read_only_in_the_admin(world, client_as):
    error = setup_partner(world.partner_a)[0]
    target = error.targets.get()
    client = client_as(world.admin)
    assert client.get(reverse("admin:kpis_kpitarget_changelist")).status_code == 200
    change_url = reverse("admin:kpis_kpitarget_change", args=[target.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="value"' not in page.content.decode()
    response = client.post(change_url, {"horizon": "short_term", "value": "9", "valid_from": "2020-01-01"})
    assert response.status_code == 403
    assert client.get(reverse("admin:kpis_kpitarget_add")).status_code == 403
    assignment_page = client.get(reverse("admin:kpis_partnerkpi_change", args=[error.pk])).content.decode()
    assert 'name="targets-0-value"' not in assignment_page
    target.refresh_from_db()
    assert target.value == 1.0 and KPITarget.objects.count() == 3


def test_deleting_measurements_in_the_admin_keeps_the_monthly_rollup_exact(world, client_as):
    from kpis.models import Measurement, MonthlyRollup
    from kpis.services import MeasurementInput, measurements_upsert

    error = setup_partner(world.partner_a)[0]
    kpi = error.kpi
    items = [
        MeasurementInput(
            partner=world.partner_a,
            kpi=kpi,
            period_kind="day",
            period_start=date(2025, 3, day),
            numerator=n,
            denominator=100,
        )
        for day, n in ((3, 1), (4, 2), (5, 4))
    ]
    measurements_upsert(user=world.manager, items=items, source="form")
    rollup = MonthlyRollup.objects.get(partner=world.partner_a, kpi=kpi, month=date(2025, 3, 1))
    assert (rollup.sum_numerator, rollup.count) == (7, 3)
    client = client_as(world.admin)
    first, second, third = Measurement.objects.order_by("period_start")
    page = client.post(reverse("admin:kpis_measurement_delete", args=[first.pk]), {"post": "yes"})
    assert page.status_code == 302
    rollup.refresh_from_db()
    assert (rollup.sum_numerator, rollup.count) == (6, 2)
    action = client.post(
        reverse("admin:kpis_measurement_changelist"),
        {"action": "delete_selected", "_selected_action": [second.pk, third.pk], "post": "yes"},
    )
    assert action.status_code == 302
    assert not Measurement.objects.exists()
    assert not MonthlyRollup.objects.filter(partner=world.partner_a, kpi=kpi).exists()


def test_the_scorecard_review_is_shown_but_not_changed_in_the_admin(world, client_as):
    """Reviews, disputes and their history are read-only in the admin: every state change goes through
    kpis.reviews (windows, history, notifications), from the pages or the API."""
    from kpis.models import ReviewEvent, ScorecardDispute, ScorecardReview
    from tests.kpis.access import _dispute

    dispute = _dispute(world, world.partner_a)
    review = dispute.review
    ReviewEvent.objects.create(review=review, dispute=dispute, kind="disputed", user=world.a_manager, note="x")
    client = client_as(world.admin)
    for model, obj in ((ScorecardReview, review), (ScorecardDispute, dispute), (ReviewEvent, review.events.get())):
        name = model._meta.model_name
        changelist = client.get(reverse(f"admin:kpis_{name}_changelist"))
        assert changelist.status_code == 200
        assert world.partner_a.name in changelist.content.decode()
        change_url = reverse(f"admin:kpis_{name}_change", args=[obj.pk])
        page = client.get(change_url)
        assert page.status_code == 200 and 'name="state"' not in page.content.decode()
        assert client.post(change_url, {"state": "final"}).status_code == 403
        assert client.get(reverse(f"admin:kpis_{name}_add")).status_code == 403
        assert client.post(reverse(f"admin:kpis_{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    # The evidence file is not linked from the admin (its download checks access on the dispute's page).
    assert (
        "private/kpis"
        not in client.get(reverse("admin:kpis_scorecarddispute_change", args=[dispute.pk])).content.decode()
    )
    review.refresh_from_db()
    dispute.refresh_from_db()
    assert review.state == "disputed" and dispute.state == "open"
    assert ScorecardReview.objects.count() == 1 and ScorecardDispute.objects.count() == 1
    filtered = client.get(reverse("admin:kpis_scorecardreview_changelist") + "?state__exact=disputed")
    assert filtered.status_code == 200
