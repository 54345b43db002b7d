"""The shell around every page: navigation by role, flash messages, language switch, error pages."""

import pytest
from django.test import Client
from django.urls import reverse


def test_navigation_by_role(world, client_as):
    admin_page = client_as(world.admin).get(reverse("dashboard")).content.decode()
    manager_page = client_as(world.manager).get(reverse("dashboard")).content.decode()
    own_page = reverse("partners:detail", args=[world.partner_a.pk])
    partner_page = client_as(world.a_manager).get(own_page).content.decode()

    for page in (admin_page, manager_page):
        assert f'href="{reverse("partners:list")}"' in page
        assert f'href="{reverse("dashboard")}"' in page
    assert f'href="{reverse("audit")}"' in admin_page
    assert f'href="{reverse("admin:index")}"' in admin_page
    assert f'href="{reverse("audit")}"' not in manager_page
    assert f'href="{reverse("admin:index")}"' not in manager_page

    assert f'href="{reverse("partners:list")}"' not in partner_page
    assert f'href="{reverse("audit")}"' not in partner_page
    assert f'href="{reverse("partners:detail", args=[world.partner_a.pk])}"' in partner_page
    assert 'class="navbar-toggler"' in partner_page  # collapses on a phone


def test_flash_message_after_saving_the_profile(world, client_as):
    client = client_as(world.a_viewer)
    data = {
        "first_name": "Vera",
        "last_name": "Viewer",
        "email": "vera@example.com",
        "title": "",
        "phone": "",
        "language": "en",
        "time_zone": "Europe/Copenhagen",
    }
    response = client.post(reverse("profile"), data, follow=True)
    html = response.content.decode()
    assert 'id="messages"' in html
    assert "Your profile was saved." in html
    world.a_viewer.refresh_from_db()
    assert world.a_viewer.first_name == "Vera"
    # Shown once.
    assert "Your profile was saved." not in client.get(reverse("profile")).content.decode()


def test_invalid_profile_is_not_saved(world, client_as):
    client = client_as(world.a_viewer)
    response = client.post(reverse("profile"), {"email": "not-an-address", "language": "xx", "time_zone": "Mars"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"email", "language", "time_zone"}
    world.a_viewer.refresh_from_db()
    assert world.a_viewer.email == "a_viewer@example.com"


def test_language_switch_changes_the_page_and_the_preference(world, client_as):
    client = client_as(world.manager)
    response = client.post(reverse("set_language"), {"language": "da", "next": reverse("dashboard")})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    world.manager.refresh_from_db()
    assert world.manager.language == "da"
    html = client.get(reverse("dashboard")).content.decode()
    assert 'lang="da"' in html
    assert "Partnerkatalog" in html
    assert "Log ud" in html


def test_language_switch_for_anonymous_uses_a_cookie(db):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "da", "next": "/accounts/login/"})
    assert response.cookies["django_language"].value == "da"
    html = client.get("/accounts/login/").content.decode()
    assert "Log ind" in html
    assert "Glemt din adgangskode?" in html


def test_language_switch_refuses_foreign_redirects(world, client_as):
    response = client_as(world.manager).post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("home")


def test_friendly_404(world, client_as):
    response = client_as(world.manager).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="navbar' in html  # the normal shell, with navigation


def test_friendly_403(world, client_as):
    response = client_as(world.a_manager).get(reverse("dashboard"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not do that" in html
    assert reverse("home") in html


@pytest.mark.urls("tests.foundation.error_urls")
def test_friendly_500_without_a_request_context(db):
    client = Client(raise_request_exception=False)
    response = client.get("/test-error/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "Der gik noget galt" in html
    assert "Traceback" not in html and "boom" not in html
