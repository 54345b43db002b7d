"""Responses with a person's or a partner's data are never stored by a browser or proxy cache."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from meetings import services as meeting_services
from tests.kpis.helpers import measure, setup_partner

pytestmark = pytest.mark.django_db

NO_STORE = "private, no-store"


def _assert_private(response):
    assert response.status_code == 200, response
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]


def test_pages_api_exports_and_feed_are_private_and_not_stored(world, client_as):
    setup_partner(world.partner_a)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=1, denominator=100)
    viewer = client_as(world.a_viewer)
    for url in (
        reverse("partners:detail", args=[world.partner_a.pk]),
        reverse("relations:notice_list"),
        reverse("kpis:scorecard", args=[world.partner_a.pk]),
        reverse("api:me"),
        reverse("api:kpi-measurement-list"),
        reverse("kpis:measurements_export", args=[world.partner_a.pk]),
        reverse("kpis:measurements_export", args=[world.partner_a.pk]) + "?format=xlsx",
        reverse("kpis:scorecard_export", args=[world.partner_a.pk]) + "?day=2025-03-01",
        reverse("kpis:scorecard_export", args=[world.partner_a.pk]) + "?day=2025-03-01&format=xlsx",
    ):
        _assert_private(viewer.get(url))
    _assert_private(client_as(world.manager).get(reverse("dashboard")))

    token = Token.objects.create(user=world.a_viewer)
    _assert_private(Client().get(reverse("api:notice-list"), HTTP_AUTHORIZATION=f"Token {token.key}"))
    feed = meeting_services.feed_regenerate(user=world.a_viewer)
    _assert_private(Client().get(reverse("meetings:feed", args=[feed.token])))


def test_login_page_is_not_stored_either(db):
    _assert_private(Client().get(reverse("login")))


def test_static_files_stay_cacheable(db):
    response = Client().get("/static/css/portal.css")
    assert response.status_code == 200
    cache_control = response.get("Cache-Control", "")
    assert "no-store" not in cache_control and "private" not in cache_control
    assert "max-age" in cache_control
