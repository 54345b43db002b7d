"""`?partner=` means the same on every page that takes it: a partner the user may see filters or
preselects; anything else (not a number, unknown, another partner's) is a 404, never silently ignored."""

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PAGES = (
    "relations:notice_list",
    "relations:notice_create",
    "relations:case_list",
    "relations:case_create",
    "relations:measurement_picker",
    "relations:kudos_create",
    "relations:success_list",
    "relations:engagement_list",
    "relations:engagement_create",
    "relations:roadmap_list",
    "relations:survey_list",
    "relations:survey_create",
    "meetings:meeting_list",
    "meetings:series_list",
    "meetings:series_create",
    "meetings:action_list",
)


@pytest.mark.parametrize("name", PAGES)
def test_an_unknown_or_foreign_partner_is_a_404(world, name):
    url = reverse(name)
    host = client_for(world.manager)
    assert host.get(url, {"partner": "abc"}).status_code == 404
    assert host.get(url, {"partner": "987654321"}).status_code == 404
    assert host.get(url, {"partner": world.host.pk}).status_code == 404  # the host is not a partner
    # a partner user never reaches another partner through it: 404, or 403 on a page for host staff only
    partner_user = client_for(world.a_manager)
    expected = 404 if partner_user.get(url).status_code == 200 else 403
    assert partner_user.get(url, {"partner": world.partner_b.pk}).status_code == expected


@pytest.mark.parametrize("name", PAGES)
def test_a_visible_partner_is_not_refused(world, name):
    host = client_for(world.manager)
    assert host.get(reverse(name), {"partner": world.partner_a.pk}).status_code in (200, 403)
