"""The partner directory: search, filter, hub page, create and edit, landing pages."""

import pytest
from django.urls import reverse

from partners.models import Organization
from tests.factories import OrganizationFactory, SiteFactory

LIST = reverse("partners:list")


@pytest.fixture
def directory(world):
    OrganizationFactory(name="Gamma Pack A/S", kind="supplier", city="Odense")
    OrganizationFactory(name="Delta Service ApS", kind="service_provider", city="Vejle")
    OrganizationFactory(name="Old Partner A/S", kind="carrier", city="Vejle", is_active=False)
    return world


def _names(response):
    return [p.name for p in response.context["page"]]


def test_list_shows_active_partners_not_the_host(directory, client_as):
    response = client_as(directory.manager).get(LIST)
    assert response.status_code == 200
    assert _names(response) == ["Alfa Logistik A/S", "Beta Fragt ApS", "Delta Service ApS", "Gamma Pack A/S"]
    assert "partners/partner_list.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "gamma"}, ["Gamma Pack A/S"]),
        ({"q": "VEJLE"}, ["Delta Service ApS"]),
        ({"kind": "carrier"}, ["Beta Fragt ApS"]),
        ({"q": "a", "kind": "3pl"}, ["Alfa Logistik A/S"]),
        ({"q": "no such partner"}, []),
    ],
)
def test_search_by_name_or_city_and_filter_by_type(directory, client_as, params, expected):
    response = client_as(directory.manager).get(LIST, params)
    assert _names(response) == expected
    if not expected:
        assert "No partners match." in response.content.decode()


def test_htmx_request_gets_only_the_rows(directory, client_as):
    response = client_as(directory.admin).get(LIST, {"q": "odense"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<table" in html
    assert "Gamma Pack A/S" in html and "Alfa Logistik A/S" not in html


def test_invalid_type_filter_is_ignored_not_an_error(directory, client_as):
    response = client_as(directory.manager).get(LIST, {"kind": "spaceship"})
    assert response.status_code == 200
    assert len(_names(response)) == 4
    assert "kind" in response.context["form"].errors


def test_list_query_count_does_not_grow_with_partners(world, client_as, django_assert_max_num_queries):
    client = client_as(world.manager)
    with django_assert_max_num_queries(30) as few:
        client.get(LIST)
    for n in range(30):
        partner = OrganizationFactory(name=f"Bulk {n:02} A/S")
        SiteFactory(organization=partner)
    with django_assert_max_num_queries(30) as many:
        response = client.get(LIST)
    assert len(response.context["page"]) == 25
    assert len(many.captured_queries) == len(few.captured_queries)


def test_detail_is_the_hub_with_internal_notes_for_host_staff_only(world, client_as):
    world.partner_a.internal_notes = "Price pressure expected in Q3."
    world.partner_a.description = "Our 3PL for the south."
    world.partner_a.save()
    url = reverse("partners:detail", args=[world.partner_a.pk])

    host_html = client_as(world.manager).get(url).content.decode()
    assert "Price pressure expected in Q3." in host_html
    assert "Alfa Hub" in host_html  # sites
    assert reverse("partners:edit", args=[world.partner_a.pk]) in host_html

    for user in (world.a_manager, world.a_viewer):
        response = client_as(user).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Our 3PL for the south." in html
        assert "Price pressure" not in html
        assert 'id="internal-notes"' not in html
        assert reverse("partners:edit", args=[world.partner_a.pk]) not in html


def test_partner_user_gets_404_for_another_partner_and_the_host(world, client_as):
    client = client_as(world.a_manager)
    assert client.get(reverse("partners:detail", args=[world.partner_b.pk])).status_code == 404
    assert client.get(reverse("partners:detail", args=[world.host.pk])).status_code == 404
    assert client.get(reverse("partners:detail", args=[999999])).status_code == 404


def _form_data(**overrides):
    return {"name": "Epsilon Transport A/S", "kind": "carrier", "city": "Esbjerg", "country": "Danmark", **overrides}


def test_host_staff_create_a_partner(world, client_as):
    response = client_as(world.manager).post(reverse("partners:create"), _form_data(website="epsilon.example"))
    partner = Organization.objects.get(name="Epsilon Transport A/S")
    assert response.status_code == 302
    assert response["Location"] == partner.get_absolute_url()
    assert partner.kind == "carrier" and partner.website == "https://epsilon.example"
    assert partner.history.first().history_user == world.manager


@pytest.mark.parametrize(
    "data, field",
    [
        (_form_data(name=""), "name"),
        (_form_data(kind="host"), "kind"),
        (_form_data(kind="spaceship"), "kind"),
        (_form_data(email="not-an-address"), "email"),
        (_form_data(partner_since="31-02-2024"), "partner_since"),
        (_form_data(name="Beta Fragt ApS"), "name"),
    ],
)
def test_invalid_partner_form_is_400_with_errors_and_saves_nothing(world, client_as, data, field):
    before = Organization.objects.count()
    response = client_as(world.manager).post(reverse("partners:create"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="invalid-feedback' in response.content.decode()
    assert Organization.objects.count() == before


def test_host_staff_edit_a_partner(world, client_as):
    url = reverse("partners:edit", args=[world.partner_a.pk])
    client = client_as(world.admin)
    assert client.get(url).status_code == 200
    response = client.post(url, _form_data(name="Alfa Logistik A/S", kind="3pl", internal_notes="Watch margins."))
    assert response.status_code == 302
    world.partner_a.refresh_from_db()
    assert world.partner_a.city == "Esbjerg"
    assert world.partner_a.internal_notes == "Watch margins."


def test_invalid_edit_changes_nothing(world, client_as):
    url = reverse("partners:edit", args=[world.partner_a.pk])
    response = client_as(world.manager).post(url, _form_data(name="", city="Nowhere"))
    assert response.status_code == 400
    world.partner_a.refresh_from_db()
    assert world.partner_a.name == "Alfa Logistik A/S"
    assert world.partner_a.city == "Aarhus"


def test_host_staff_add_and_edit_sites(world, client_as):
    client = client_as(world.manager)
    response = client.post(
        reverse("partners:site_create", args=[world.partner_a.pk]), {"name": "Alfa North", "code": "ALFA2"}
    )
    assert response.status_code == 302
    site = world.partner_a.sites.get(code="ALFA2")
    duplicate = client.post(reverse("partners:site_create", args=[world.partner_b.pk]), {"name": "X", "code": "ALFA2"})
    assert duplicate.status_code == 400
    assert "code" in duplicate.context["form"].errors
    response = client.post(reverse("partners:site_edit", args=[site.pk]), {"name": "Alfa Nord", "code": "ALFA2"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.name == "Alfa Nord"


def test_partner_users_cannot_create_or_edit(world, client_as):
    client = client_as(world.a_manager)
    assert client.post(reverse("partners:create"), _form_data()).status_code == 403
    assert client.post(reverse("partners:edit", args=[world.partner_a.pk]), _form_data()).status_code == 403
    assert not Organization.objects.filter(name="Epsilon Transport A/S").exists()


@pytest.mark.parametrize("who", ["a_manager", "a_viewer", "b_manager"])
def test_partner_user_lands_on_their_own_page(world, client_as, who):
    user = getattr(world, who)
    response = client_as(user).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:detail", args=[user.organization_id])


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_host_staff_land_on_the_dashboard(world, client_as, who):
    response = client_as(getattr(world, who)).get("/")
    assert response["Location"] == reverse("dashboard")


def test_anonymous_start_page_goes_to_login(client, db):
    assert client.get("/")["Location"].startswith(reverse("login"))


def test_hub_lists_active_sites_by_name(world, client_as):
    """The hub's sites (one partner's, read without joining the partner) are its active ones, by name."""
    SiteFactory(organization=world.partner_a, name="Zulu Lager")
    SiteFactory(organization=world.partner_a, name="Alfa Lager")
    SiteFactory(organization=world.partner_a, name="Mike Lager", is_active=False)
    SiteFactory(organization=world.partner_b, name="Bravo Lager")
    html = client_as(world.a_viewer).get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    assert 0 < html.index("Alfa Lager") < html.index("Zulu Lager")
    assert "Mike Lager" not in html and "Bravo Lager" not in html
