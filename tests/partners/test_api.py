"""/api/partners/ and /api/me/ under the access policy, with session and token authentication."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from partners.models import Organization

LIST = "/api/partners/"


def _token_client(user):
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def test_host_staff_see_all_partners_with_internal_notes(world, client_as):
    world.partner_b.internal_notes = "Secret margin"
    world.partner_b.save()
    response = client_as(world.manager).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert [p["name"] for p in body["results"]] == ["Alfa Logistik A/S", "Beta Fragt ApS"]
    assert body["count"] == 2
    beta = body["results"][1]
    assert beta["internal_notes"] == "Secret margin"
    assert [s["code"] for s in beta["sites"]] == ["BETA1"]


@pytest.mark.parametrize("who", ["a_manager", "a_viewer"])
def test_partner_users_see_only_their_own_without_internal_notes(world, client_as, who):
    world.partner_a.internal_notes = "Internal only"
    world.partner_a.save()
    client = client_as(getattr(world, who))
    body = client.get(LIST).json()
    assert [p["name"] for p in body["results"]] == ["Alfa Logistik A/S"]
    assert "internal_notes" not in body["results"][0]
    detail = client.get(f"{LIST}{world.partner_a.pk}/")
    assert detail.status_code == 200
    assert "internal_notes" not in detail.json()
    assert "Internal only" not in detail.content.decode()
    assert client.get(f"{LIST}{world.partner_b.pk}/").status_code == 404
    assert client.get(f"{LIST}{world.host.pk}/").status_code == 404


def test_search_and_filter(world, client_as):
    client = client_as(world.admin)
    assert [p["name"] for p in client.get(LIST, {"kind": "carrier"}).json()["results"]] == ["Beta Fragt ApS"]
    assert [p["name"] for p in client.get(LIST, {"search": "alfa"}).json()["results"]] == ["Alfa Logistik A/S"]


def test_host_creates_and_patches(world, client_as):
    client = client_as(world.manager)
    response = client.post(
        LIST, {"name": "Zeta Cargo A/S", "kind": "carrier", "city": "Kolding"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "Zeta Cargo A/S" and created["internal_notes"] == ""
    response = client.patch(
        f"{LIST}{created['id']}/", {"city": "Fredericia", "internal_notes": "New"}, content_type="application/json"
    )
    assert response.status_code == 200
    zeta = Organization.objects.get(pk=created["id"])
    assert (zeta.city, zeta.internal_notes) == ("Fredericia", "New")
    assert zeta.history.first().history_user == world.manager


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "Eta A/S", "kind": "spaceship"}, "kind"),
        ({"name": "Eta A/S", "kind": "host"}, "kind"),
        ({"name": "", "kind": "carrier"}, "name"),
        ({"name": "Beta Fragt ApS", "kind": "carrier"}, "name"),
        ({"name": "Eta A/S", "kind": "carrier", "email": "nope"}, "email"),
    ],
)
def test_invalid_create_is_400_and_saves_nothing(world, client_as, data, field):
    before = Organization.objects.count()
    response = client_as(world.admin).post(LIST, data, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert Organization.objects.count() == before


def test_invalid_patch_changes_nothing(world, client_as):
    response = client_as(world.manager).patch(
        f"{LIST}{world.partner_a.pk}/", {"kind": "spaceship", "city": "X"}, content_type="application/json"
    )
    assert response.status_code == 400
    world.partner_a.refresh_from_db()
    assert (world.partner_a.kind, world.partner_a.city) == ("3pl", "Aarhus")


def test_partner_users_cannot_write(world, client_as):
    client = client_as(world.a_manager)
    assert client.post(LIST, {"name": "X A/S", "kind": "carrier"}, content_type="application/json").status_code == 403
    response = client.patch(f"{LIST}{world.partner_a.pk}/", {"city": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert client.delete(f"{LIST}{world.partner_a.pk}/").status_code in (403, 405)
    # Partners are deactivated, never deleted through the API (their history stays).
    assert client_as(world.admin).delete(f"{LIST}{world.partner_a.pk}/").status_code == 405
    assert Organization.objects.filter(pk=world.partner_a.pk).exists()


def test_me(world, client_as):
    body = client_as(world.a_viewer).get("/api/me/").json()
    assert body["username"] == "a_viewer"
    assert body["role"] == "partner_viewer"
    assert body["organization"] == {"id": world.partner_a.pk, "name": "Alfa Logistik A/S", "kind": "3pl"}
    assert body["time_zone"] == "Europe/Copenhagen"


def test_token_authentication(world):
    client = _token_client(world.b_manager)
    assert client.get("/api/me/").json()["username"] == "b_manager"
    assert [p["name"] for p in client.get(LIST).json()["results"]] == ["Beta Fragt ApS"]
    bad = Client(HTTP_AUTHORIZATION="Token not-a-real-token").get("/api/me/")
    assert bad.status_code == 401


@pytest.mark.django_db
def test_anonymous_gets_401():
    assert Client().get(LIST).status_code == 401
    assert Client().get("/api/me/").status_code == 401


def test_api_token_page_creates_and_replaces_the_token(world):
    from tests.accounts.totp import signed_in_with_second_factor

    client = signed_in_with_second_factor(world.a_manager)  # only such a session creates a token
    assert client.get("/accounts/token/").context["token"] is None
    client.post("/accounts/token/")
    first = Token.objects.get(user=world.a_manager).key
    assert first in client.get("/accounts/token/").content.decode()
    client.post("/accounts/token/")
    second = Token.objects.get(user=world.a_manager).key
    assert second != first
    assert Client(HTTP_AUTHORIZATION=f"Token {first}").get("/api/me/").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Token {second}").get("/api/me/").status_code == 200


def test_list_query_count_does_not_grow(world, client_as, django_assert_max_num_queries):
    from tests.factories import OrganizationFactory, SiteFactory

    client = client_as(world.manager)
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    for n in range(20):
        SiteFactory(organization=OrganizationFactory(name=f"Bulk {n} A/S"))
    with django_assert_max_num_queries(20) as many:
        client.get(LIST)
    assert len(many.captured_queries) == len(few.captured_queries)
