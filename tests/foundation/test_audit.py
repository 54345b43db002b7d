"""The audit log: admins see who changed what across every model with a history trail."""

import pytest
from django.urls import reverse

from partnerportal.audit import tracked_models
from partners.models import Organization, Site
from tests.factories import OrganizationFactory


def _edit_partner(client, partner, **changes):
    data = {
        "name": partner.name,
        "kind": partner.kind,
        "country": partner.country,
        "city": partner.city,
        "is_active": "on",
        **changes,
    }
    response = client.post(reverse("partners:edit", args=[partner.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_models_are_discovered_across_apps():
    labels = set(tracked_models())
    assert {"partners.organization", "partners.site", "partners.contact", "partners.user"} <= labels
    # Other apps' models with HistoricalRecords join without being listed anywhere.
    assert any(not label.startswith("partners.") for label in labels)
    assert not any(label.split(".")[1].startswith("historical") for label in labels)


def test_admin_sees_who_changed_what(world, client_as):
    _edit_partner(client_as(world.manager), world.partner_a, city="Kolding")
    response = client_as(world.admin).get(reverse("audit"))
    assert response.status_code == 200
    entries = list(response.context["page"])
    change = next(e for e in entries if e.record.history_type == "~" and e.model is Organization)
    assert change.user == world.manager
    assert change.object_label == world.partner_a.name
    assert ("City", "Aarhus", "Kolding") in [(n.capitalize(), o, new) for n, o, new in change.changes]
    html = response.content.decode()
    assert "Kolding" in html and "Changed" in html and "manager" in html
    assert any(e.record.history_type == "+" and e.model is Site for e in entries)


def test_filter_by_model_and_user(world, client_as):
    _edit_partner(client_as(world.manager), world.partner_b, city="Ribe")
    client = client_as(world.admin)
    by_model = client.get(reverse("audit"), {"model": "partners.site"}).context["page"]
    assert by_model.paginator.count == Site.objects.count()
    assert all(e.model is Site for e in by_model)
    by_user = client.get(reverse("audit"), {"user": world.manager.pk}).context["page"]
    assert by_user.paginator.count == 1
    assert by_user[0].user == world.manager
    both = client.get(reverse("audit"), {"user": world.manager.pk, "model": "partners.site"}).context["page"]
    assert both.paginator.count == 0


def test_unknown_filter_values_show_everything_and_keep_the_form(world, client_as):
    response = client_as(world.admin).get(reverse("audit"), {"model": "no.such", "user": "abc"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["page"].paginator.count > 0


@pytest.mark.parametrize("who", ["manager", "a_manager", "a_viewer", "b_manager"])
def test_only_admins_open_the_audit_log(world, client_as, who):
    assert client_as(getattr(world, who)).get(reverse("audit")).status_code == 403


def test_paginated_and_query_count_does_not_grow(world, client_as, django_assert_max_num_queries):
    client = client_as(world.admin)
    for n in range(5):
        OrganizationFactory(name=f"Few {n}")
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("audit"))
    for n in range(80):
        OrganizationFactory(name=f"Many {n}")
    with django_assert_max_num_queries(60) as many:
        response = client.get(reverse("audit"))
    assert len(many.captured_queries) <= len(few.captured_queries) + 2
    page = response.context["page"]
    assert len(page) == 50
    assert page.has_next()
    second = client.get(reverse("audit"), {"page": 2}).context["page"]
    assert second.number == 2
    keys = lambda entries: {(e.model, e.record.history_id) for e in entries}  # noqa: E731
    assert keys(page).isdisjoint(keys(second))
    dates = [e.record.history_date for e in [*page, *second]]
    assert dates == sorted(dates, reverse=True)


def test_history_in_django_admin(world, client_as):
    _edit_partner(client_as(world.manager), world.partner_a, city="Horsens")
    response = client_as(world.admin).get(reverse("admin:partners_organization_history", args=[world.partner_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert str(world.manager) in html
    assert "Changed" in html
    # The audit log links each object to this page.
    audit_html = client_as(world.admin).get(reverse("audit")).content.decode()
    history_url = reverse("admin:partners_organization_history", args=[world.partner_a.pk])
    assert f'href="{history_url}"' in audit_html


def test_a_login_leaves_no_empty_history_row(world):
    from django.test import Client

    from tests.factories import PASSWORD

    before = world.manager.history.count()
    response = Client().post(reverse("login"), {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
    world.manager.refresh_from_db()
    assert world.manager.last_login is not None
    assert world.manager.history.count() == before
