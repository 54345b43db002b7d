"""List pages and the hub: the number of queries does not grow with the number of rows."""

import pytest
from django.urls import reverse

from tests.relations import helpers

pytestmark = pytest.mark.django_db

PAGES = [
    ("relations:notice_list", helpers.notice),
    ("relations:case_list", helpers.case),
    ("relations:engagement_list", helpers.engagement),
    ("relations:roadmap_list", helpers.roadmap_item),
    ("relations:survey_list", helpers.survey),
    ("relations:success_list", helpers.kudos),
]


@pytest.mark.parametrize("role", ["manager", "a_manager"])
@pytest.mark.parametrize("url_name,make", PAGES, ids=[p[0] for p in PAGES])
def test_list_queries_do_not_grow(world, client_as, django_assert_max_num_queries, url_name, make, role):
    client = client_as(getattr(world, role))
    make(world, world.partner_a)
    with django_assert_max_num_queries(40) as few:
        assert client.get(reverse(url_name)).status_code == 200
    baseline = len(few)
    for _ in range(12):
        make(world, world.partner_a)
    with django_assert_max_num_queries(baseline):
        client.get(reverse(url_name))


def test_partner_hub_queries_do_not_grow(world, client_as, django_assert_max_num_queries):
    client = client_as(world.a_manager)
    url = reverse("partners:detail", args=[world.partner_a.pk])
    for make in (helpers.notice, helpers.case, helpers.engagement, helpers.roadmap_item, helpers.kudos):
        make(world, world.partner_a)
    with django_assert_max_num_queries(80) as few:
        client.get(url)
    baseline = len(few)
    for _ in range(8):
        for make in (helpers.notice, helpers.case, helpers.engagement, helpers.roadmap_item, helpers.kudos):
            make(world, world.partner_a)
    with django_assert_max_num_queries(baseline):
        client.get(url)
