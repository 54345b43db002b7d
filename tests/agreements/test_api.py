"""The agreements API: partners read what was sent to them; host staff manage drafts; bad input is a 400."""

import json

from django.urls import reverse

from agreements.models import ChannelRule, VersionStatus
from tests.agreements import helpers


def _post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def test_partner_reads_own_sent_versions_with_rows_but_no_drafts(world, client_as):
    active = helpers.active(world, world.partner_a)
    helpers.draft(world, world.partner_a)  # v2 draft: host only
    helpers.active(world, world.partner_b)
    data = client_as(world.a_viewer).get(reverse("api:agreement-version-list")).json()
    results = data["results"] if isinstance(data, dict) else data
    assert [v["id"] for v in results] == [active.pk]
    (version,) = results
    assert version["channels"][0]["topic"] == "delivery_delays"
    assert version["channels"][0]["response_hours"] == 4
    assert {r["party"] for r in version["responsibilities"]} == {"host", "partner"}
    assert {s["party"] for s in version["signatures"]} == {"host", "partner"}
    agreements = client_as(world.a_viewer).get(reverse("api:agreement-list")).json()
    agreements = agreements["results"] if isinstance(agreements, dict) else agreements
    assert len(agreements) == 1 and [v["number"] for v in agreements[0]["versions"]] == [1]
    host = client_as(world.manager).get(reverse("api:agreement-version-list")).json()
    host = host["results"] if isinstance(host, dict) else host
    assert len(host) == 3


def test_host_manages_a_draft_through_the_api(world, client_as):
    client = client_as(world.manager)
    response = _post(client, reverse("api:agreement-list"), {"partner": world.partner_a.pk, "title": "API agreement"})
    assert response.status_code == 201, response.content
    version_id = response.json()["versions"][0]["id"]
    url = reverse("api:agreement-version-detail", args=[version_id])
    response = _patch(client, url, {"review_date": "2099-01-31", "summary": "Via API"})
    assert response.status_code == 200 and response.json()["summary"] == "Via API"
    rows = [
        (
            "api:agreement-responsibility-list",
            {"party": "host", "activity": "Inbound", "user": world.manager.pk, "responsible_for": "Receiving"},
        ),
        (
            "api:agreement-channel-list",
            {"topic": "invoices", "channel": "email", "response_hours": 24, "party": "host", "user": world.admin.pk},
        ),
        (
            "api:agreement-escalation-step-list",
            {"level": 1, "after_hours": 0, "party": "partner", "user": world.a_manager.pk},
        ),
    ]
    for name, data in rows:
        response = _post(client, reverse(name), {"version": version_id, **data})
        assert response.status_code == 201, response.content
    response = _post(client, reverse("api:agreement-version-send", args=[version_id]))
    assert response.status_code == 200 and response.json()["status"] == VersionStatus.IN_REVIEW
    assert _post(client, reverse("api:agreement-version-sign", args=[version_id])).status_code == 200
    response = _post(client_as(world.a_manager), reverse("api:agreement-version-sign", args=[version_id]))
    assert response.status_code == 200 and response.json()["status"] == VersionStatus.ACTIVE


def test_bad_input_is_400_and_changes_nothing(world, client_as):
    version = helpers.draft(world, world.partner_a)
    client = client_as(world.manager)
    response = _post(
        client,
        reverse("api:agreement-channel-list"),
        {"version": version.pk, "topic": "invoices", "channel": "fax", "response_hours": "soon", "party": "host"},
    )
    assert response.status_code == 400
    assert {"channel", "response_hours"} <= set(response.json())
    response = _post(
        client,
        reverse("api:agreement-channel-list"),
        {"version": version.pk, "topic": "invoices", "channel": "email", "response_hours": 4, "party": "host"},
    )
    assert response.status_code == 400 and "exactly one person" in json.dumps(response.json())
    response = _patch(client, reverse("api:agreement-version-detail", args=[version.pk]), {"review_date": "31-31-2020"})
    assert response.status_code == 400 and "review_date" in response.json()
    assert ChannelRule.objects.filter(version=version).count() == 1
    version.refresh_from_db()
    assert version.review_date is not None


def test_locked_versions_refuse_changes_through_the_api(world, client_as):
    version = helpers.in_review(world, world.partner_a)
    client = client_as(world.admin)
    rule = version.channelrule_set.get()
    response = _patch(client, reverse("api:agreement-channel-detail", args=[rule.pk]), {"response_hours": 99})
    assert response.status_code == 400 and "cannot be changed" in json.dumps(response.json())
    response = client.delete(reverse("api:agreement-channel-detail", args=[rule.pk]))
    assert response.status_code == 400
    response = _patch(client, reverse("api:agreement-version-detail", args=[version.pk]), {"summary": "x"})
    assert response.status_code == 400
    response = _post(
        client,
        reverse("api:agreement-escalation-step-list"),
        {"version": version.pk, "level": 5, "after_hours": 3, "party": "host", "user": world.admin.pk},
    )
    assert response.status_code == 400
    response = _post(client, reverse("api:agreement-drafts", args=[version.agreement_id]))
    assert response.status_code == 400 and "already" in json.dumps(response.json())
    rule.refresh_from_db()
    version.refresh_from_db()
    assert rule.response_hours == 4 and version.summary == "Scope." and version.escalationstep_set.count() == 1


def test_invalid_sign_and_terminate_through_the_api(world, client_as):
    draft = helpers.draft(world, world.partner_a)
    response = _post(client_as(world.admin), reverse("api:agreement-version-sign", args=[draft.pk]))
    assert response.status_code == 400 and "not been sent" in json.dumps(response.json())
    assert _post(client_as(world.a_manager), reverse("api:agreement-version-sign", args=[draft.pk])).status_code == 404
    version = helpers.in_review(world, world.partner_a)
    assert _post(client_as(world.a_viewer), reverse("api:agreement-version-sign", args=[version.pk])).status_code == 403
    assert (
        _post(client_as(world.b_manager), reverse("api:agreement-version-sign", args=[version.pk])).status_code == 404
    )
    assert _post(client_as(world.admin), reverse("api:agreement-version-sign", args=[version.pk])).status_code == 200
    response = _post(client_as(world.manager), reverse("api:agreement-version-sign", args=[version.pk]))
    assert response.status_code == 400 and "already signed" in json.dumps(response.json())
    response = _post(
        client_as(world.admin), reverse("api:agreement-version-terminate", args=[version.pk]), {"reason": "x"}
    )
    assert response.status_code == 400 and "Only the active version" in json.dumps(response.json())
    assert version.signatures.count() == 1
    active = helpers.active(world, world.partner_b)
    response = _post(
        client_as(world.admin), reverse("api:agreement-version-terminate", args=[active.pk]), {"reason": " "}
    )
    assert response.status_code == 400 and "reason" in response.json()
    active.refresh_from_db()
    assert active.status == VersionStatus.ACTIVE


def test_partner_cannot_write(world, client_as):
    version = helpers.draft(world, world.partner_a)
    client = client_as(world.a_manager)
    response = _post(
        client,
        reverse("api:agreement-channel-list"),
        {
            "version": version.pk,
            "topic": "invoices",
            "channel": "email",
            "response_hours": 4,
            "party": "partner",
            "user": world.a_manager.pk,
        },
    )
    assert response.status_code == 403
    assert ChannelRule.objects.filter(version=version).count() == 1


def test_a_draft_identical_to_the_active_version_is_not_sent_through_the_api(world, client_as):
    from agreements import services

    helpers.active(world, world.partner_a)
    draft = services.draft_create(agreement=helpers.agreement(world, world.partner_a), user=world.admin)
    response = _post(client_as(world.manager), reverse("api:agreement-version-send", args=[draft.pk]))
    assert response.status_code == 400
    assert "Nothing differs from the version in force" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT and draft.sent_at is None
