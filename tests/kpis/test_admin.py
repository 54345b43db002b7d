"""Django admin for KPIs: targets are shown but changed only through the portal (history kept)."""

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
