"""The partner hub's first answer costs a fixed number of queries (issue 16): more sites, people,
agreement versions, KPI successes, notices, cases and timeline rows add none, for host staff and for
a partner's own people; what it shows stays the reader's own."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import PartnerKPI, Success
from partners import selectors
from tests.agreements import helpers as agreement_helpers
from tests.factories import SiteFactory, UserFactory
from tests.kpis import helpers as kpi_helpers
from tests.relations import helpers

pytestmark = pytest.mark.django_db

# The hub's queries for a host manager: the session and the user; the partner with its edit right;
# its sites and people; the KPI scorecard (three) and successes; the agreement; the layout's unread
# count. A budget: the hub before issue 16 took 16.
HUB_QUERIES = 10


def _hub(client, partner):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("partners:detail", args=[partner.pk]))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _more_rows(world, partner, n):
    first = Success.objects.filter(partner=partner).count()
    for i in range(first, first + n):
        SiteFactory(organization=partner, name=f"Depot {partner.pk}-{i}", code=f"D{partner.pk}-{i}")
        UserFactory(organization=partner, first_name=f"Person{i}", last_name=f"Of {partner.name}")
        helpers.notice(world, partner)
        helpers.case(world, partner)
    error = PartnerKPI.objects.select_related("kpi").get(partner=partner, kpi__code="error-rate")
    for month in range(first + 1, first + n + 1):
        kpi_helpers.measure(partner, "error-rate", date(2025, month, 3), numerator=3, denominator=400 + month)
        Success.objects.create(
            partner=partner, kpi=error.kpi, partner_kpi=error, kind="record", period_start=date(2025, month, 1), value=1
        )


@pytest.mark.parametrize("role", ["manager", "a_manager"])
def test_hub_queries_do_not_grow_with_rows(world, client_as, role):
    for partner in (world.partner_a, world.partner_b):
        kpi_helpers.setup_partner(partner)
        _more_rows(world, partner, 1)
    agreement_helpers.active(world, world.partner_a)
    client = client_as(getattr(world, role))
    few, _ = _hub(client, world.partner_a)
    if role == "manager":
        assert few <= HUB_QUERIES

    for partner in (world.partner_a, world.partner_b):
        _more_rows(world, partner, 8)
    agreement_helpers.revision(world, world.partner_a)  # a superseded version on top: history grows
    agreement_helpers.revision(world, world.partner_b)
    many, html = _hub(client, world.partner_a)
    assert many == few
    assert f"Depot {world.partner_a.pk}-7" in html and "Person7 Of Alfa" in html
    assert f"Depot {world.partner_b.pk}-" not in html and "Of Beta" not in html


@pytest.mark.parametrize("role", ["manager", "a_viewer"])
def test_the_side_column_is_what_the_separate_reads_give(world, role, django_assert_num_queries):
    """The sites and people read together in one query are those of organization_sites and
    organization_members, in their order, with the person's name and role as str(user) shows them."""
    SiteFactory(organization=world.partner_a, name="Alfa Hub", code="ALFA0", city="Vejle")  # same name: by code
    SiteFactory(organization=world.partner_a, name="Old depot", code="OLD", is_active=False)
    UserFactory(organization=world.partner_a, first_name="", last_name="", username="zz_no_name", title="Driver")
    user = getattr(world, role)
    with django_assert_num_queries(1):
        sites, members = selectors.organization_sites_and_members(user=user, organization=world.partner_a)
    expected_sites = selectors.organization_sites(user=user, organization=world.partner_a).order_by("name", "code")
    assert [(s.pk, s.name, s.code, s.city) for s in sites] == [(s.pk, s.name, s.code, s.city) for s in expected_sites]
    expected = selectors.organization_members(user=user, organization=world.partner_a).order_by(
        "first_name", "last_name", "username"
    )
    assert [(m.name, str(m.role), m.title) for m in members] == [
        (str(u), str(u.get_role_display()), u.title) for u in expected
    ]
    assert "zz_no_name" in [m.name for m in members] and "Old depot" not in [s.name for s in sites]
    partner = selectors.partner_hub(user=user, pk=world.partner_a.pk)
    assert partner.can_change is (role == "manager")
