"""A free-text field has a maximum length: a 210,000-character notice is refused on the page and in the
API with a clear message, and nothing is saved."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications.models import Notification
from relations.models import Notice

pytestmark = pytest.mark.django_db

HUGE = ("Lastbilen holder stille. " * 8400)[:-1] + "!"  # 210,000 characters (a form strips a last space)


def test_the_huge_text_is_what_the_issue_names():
    assert len(HUGE) == 210_000


def _form(partner, **overrides):
    start = timezone.localtime() + timedelta(days=1)
    data = {
        "partner": partner.pk,
        "kind": "delivery_delay",
        "severity": "high",
        "title": "Truck breakdown on E45",
        "affected_from": start.strftime("%Y-%m-%dT%H:%M"),
        "description": "Two trailers stuck.",
        "mitigation": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Ensure this value has at most 5000 characters (it has 210000)."),
        ("da", "Denne værdi må højst have 5000 tegn (den har 210000)."),
    ],
)
def test_a_210000_character_notice_is_refused_on_the_page(world, client_as, language, message):
    world.a_manager.language = language
    world.a_manager.save(update_fields=["language"])
    client = client_as(world.a_manager)
    form_page = client.get(reverse("relations:notice_create")).content.decode()
    assert 'maxlength="5000"' in form_page and 'name="description"' in form_page

    response = client.post(reverse("relations:notice_create"), _form(world.partner_a, description=HUGE))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Notice.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Ensure this field has no more than 5000 characters."),
        ("da", "Tjek at dette felt ikke indeholder flere end 5000 tegn."),
    ],
)
def test_a_210000_character_notice_is_refused_by_the_api(world, client_as, language, message):
    world.a_manager.language = language
    world.a_manager.save(update_fields=["language"])
    client = client_as(world.a_manager)
    payload = {
        "partner": world.partner_a.pk,
        "kind": "capacity",
        "severity": "medium",
        "title": "Peak",
        "affected_from": "2030-01-01T08:00:00Z",
        "description": HUGE,
    }
    response = client.post(reverse("api:notice-list"), payload, content_type="application/json")
    assert response.status_code == 400, response.content
    assert message in str(response.json())
    assert not Notice.objects.exists()
    assert not Notification.objects.exists()


def test_a_long_title_is_refused_by_the_api(world, client_as):
    payload = {
        "partner": world.partner_a.pk,
        "kind": "capacity",
        "severity": "medium",
        "title": "x" * 201,
        "affected_from": "2030-01-01T08:00:00Z",
    }
    response = client_as(world.a_manager).post(reverse("api:notice-list"), payload, content_type="application/json")
    assert response.status_code == 400
    assert "no more than 200 characters" in str(response.json())
    assert not Notice.objects.exists()


def test_a_notice_at_the_limit_is_accepted(world, client_as):
    text = "x" * 5000
    response = client_as(world.a_manager).post(
        reverse("relations:notice_create"), _form(world.partner_a, description=text)
    )
    assert response.status_code == 302
    assert Notice.objects.get().description == text
