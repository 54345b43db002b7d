"""Pages through the test client: htmx inline rows, invalid steps, compare, hub and query counts."""

import pytest
from django.urls import reverse

from agreements import services
from agreements.models import ChannelRule, Responsibility, VersionStatus
from partners.models import Organization
from tests.agreements import helpers
from tests.factories import OrganizationFactory, UserFactory

HX = {"HTTP_HX_REQUEST": "true"}


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_list_page_query_count_does_not_grow(world, client_as, django_assert_max_num_queries):
    client = client_as(world.admin)
    helpers.active(world, world.partner_a)
    helpers.revision(world, world.partner_b)
    url = reverse("agreements:list")
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    for i in range(6):
        partner = OrganizationFactory(name=f"Extra {i} ApS")
        UserFactory(username=f"extra{i}", organization=partner, role="partner_manager")
        helpers.revision(world, partner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Extra ") >= 6


def test_list_filters(world, client_as):
    helpers.active(world, world.partner_a)
    helpers.revision(world, world.partner_b)
    client = client_as(world.manager)
    body = client.get(reverse("agreements:list"), {"status": "pending"}).content.decode()
    assert world.partner_b.name in body and world.partner_a.name not in body


def test_create_agreement_page(world, client_as):
    client = client_as(world.manager)
    response = client.post(reverse("agreements:create", args=[world.partner_a.pk]), {"title": ""})
    assert response.status_code == 302
    agreement = world.partner_a.agreements.get()
    assert agreement.title == f"Collaboration agreement with {world.partner_a.name}"
    assert response["Location"] == reverse("agreements:edit", args=[agreement.versions.get().pk])


def test_htmx_add_row_valid_and_invalid(world, client_as):
    version = helpers.draft(world, world.partner_a)
    client = client_as(world.manager)
    url = reverse("agreements:row_create", args=[version.pk, "channel"])
    form = client.get(url, **HX)
    assert form.status_code == 200
    body = form.content.decode()
    assert "<html" not in body and f'hx-post="{url}"' in body
    # Invalid: duplicate topic, missing person, non-numeric hours: errors shown in the row, nothing saved.
    bad = client.post(
        url, {"topic": "delivery_delays", "channel": "phone", "response_hours": "soon", "party": "host"}, **HX
    )
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "invalid-feedback" in text and "Enter a whole number." in text
    assert ChannelRule.objects.filter(version=version).count() == 1
    duplicate = client.post(
        url,
        {
            "topic": "delivery_delays",
            "channel": "phone",
            "response_hours": "2",
            "party": "host",
            "person": f"u:{world.manager.pk}",
        },
        **HX,
    )
    assert "This topic is already in the channel matrix." in duplicate.content.decode()
    assert ChannelRule.objects.filter(version=version).count() == 1
    ok = client.post(
        url,
        {
            "topic": "invoices",
            "channel": "email",
            "response_hours": "48",
            "party": "host",
            "person": f"u:{world.admin.pk}",
        },
        **HX,
    )
    assert ok.status_code == 200
    rule = ChannelRule.objects.get(version=version, topic="invoices")
    assert f'id="channel-{rule.pk}"' in ok.content.decode()
    assert rule.user == world.admin and rule.response_hours == 48


def test_person_from_the_wrong_side_is_refused_in_the_row(world, client_as):
    version = helpers.draft(world, world.partner_a)
    client = client_as(world.manager)
    url = reverse("agreements:row_create", args=[version.pk, "responsibility"])
    response = client.post(
        url,
        {"party": "host", "activity": "Returns", "person": f"u:{world.a_manager.pk}", "responsible_for": "x"},
        **HX,
    )
    assert "does not belong to the host side" in response.content.decode()
    # A person of another partner is not even a choice.
    response = client.post(
        url,
        {"party": "partner", "activity": "Returns", "person": f"u:{world.b_manager.pk}", "responsible_for": "x"},
        **HX,
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Responsibility.objects.filter(activity="Returns").exists()


def test_non_htmx_invalid_row_is_400(world, client_as):
    version = helpers.draft(world, world.partner_a)
    response = client_as(world.manager).post(
        reverse("agreements:row_create", args=[version.pk, "escalation"]), {"level": "0", "after_hours": "-1"}
    )
    assert response.status_code == 400
    assert version.escalationstep_set.count() == 1


def test_htmx_edit_and_delete_row(world, client_as):
    version = helpers.draft(world, world.partner_a)
    rule = version.channelrule_set.get()
    client = client_as(world.manager)
    edit_url = reverse("agreements:row_edit", args=[version.pk, "channel", rule.pk])
    assert 'name="response_hours"' in client.get(edit_url, **HX).content.decode()
    response = client.post(
        edit_url,
        {
            "topic": rule.topic,
            "channel": "chat",
            "response_hours": "1",
            "party": "partner",
            "person": f"u:{world.a_manager.pk}",
        },
        **HX,
    )
    assert response.status_code == 200 and "Chat" in response.content.decode()
    rule.refresh_from_db()
    assert (rule.channel, rule.response_hours) == ("chat", 1)
    response = client.post(reverse("agreements:row_delete", args=[version.pk, "channel", rule.pk]), **HX)
    assert response.status_code == 200 and response.content == b""
    assert not ChannelRule.objects.filter(pk=rule.pk).exists()


def test_rows_of_a_sent_version_cannot_be_edited_through_pages(world, client_as):
    version = helpers.in_review(world, world.partner_a)
    rule = version.channelrule_set.get()
    client = client_as(world.admin)
    response = client.post(
        reverse("agreements:row_edit", args=[version.pk, "channel", rule.pk]),
        {
            "topic": rule.topic,
            "channel": "chat",
            "response_hours": "1",
            "party": "host",
            "person": f"u:{world.admin.pk}",
        },
        **HX,
    )
    assert response.status_code == 409 and "cannot be changed" in response.content.decode()
    response = client.post(reverse("agreements:row_delete", args=[version.pk, "channel", rule.pk]))
    assert response.status_code == 302
    assert any("cannot be changed" in m for m in _messages(response))
    response = client.get(reverse("agreements:edit", args=[version.pk]))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.channel == "portal_notice"


def test_version_form_bad_date_changes_nothing(world, client_as):
    version = helpers.draft(world, world.partner_a)
    response = client_as(world.manager).post(
        reverse("agreements:edit", args=[version.pk]), {"review_date": "31.02.2027", "summary": "New"}
    )
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    version.refresh_from_db()
    assert version.summary == "Scope."


def test_send_incomplete_draft_through_page(world, client_as):
    version = helpers.agreement(world, world.partner_a).versions.get()
    response = client_as(world.manager).post(reverse("agreements:send", args=[version.pk]))
    assert response.status_code == 302
    assert any("review date" in m for m in _messages(response))
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_sign_flow_and_invalid_signing_through_pages(world, client_as):
    version = helpers.revision(world, world.partner_a)
    url = reverse("agreements:sign", args=[version.pk])
    # The viewer is refused and nothing changes.
    assert client_as(world.a_viewer).post(url).status_code == 403
    page = client_as(world.a_viewer).get(reverse("agreements:version", args=[version.pk])).content.decode()
    assert "sign-button" not in page and "A partner manager of your organisation signs" in page
    # The partner manager sees what changed before signing, then signs.
    page = client_as(world.a_manager).get(reverse("agreements:version", args=[version.pk])).content.decode()
    assert "sign-button" in page and "What changes compared with version 1" in page
    assert "Delivery delays" in page and "<del>4</del> → <ins>2</ins>" in page
    response = client_as(world.a_manager).post(url, {"confirm": "1"})
    assert any("signature was recorded" in m for m in _messages(response))
    response = client_as(world.a_manager).post(url, {"confirm": "1"})
    assert any("already signed" in m for m in _messages(response))
    response = client_as(world.manager).post(url, {"confirm": "1"})
    assert any("now in force" in m for m in _messages(response))
    version.refresh_from_db()
    assert version.status == VersionStatus.ACTIVE and version.signatures.count() == 2


def test_host_signing_a_draft_through_page(world, client_as):
    version = helpers.draft(world, world.partner_a)
    response = client_as(world.admin).post(reverse("agreements:sign", args=[version.pk]), {"confirm": "1"})
    assert any("not been sent" in m for m in _messages(response))
    assert version.signatures.count() == 0
    # Partner users do not even see drafts.
    assert client_as(world.a_manager).post(reverse("agreements:sign", args=[version.pk])).status_code == 404


def test_terminate_without_reason_through_page(world, client_as):
    version = helpers.active(world, world.partner_a)
    url = reverse("agreements:terminate", args=[version.pk])
    response = client_as(world.admin).post(url, {"reason": "  "})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.ACTIVE
    response = client_as(world.admin).post(url, {"reason": "Contract ended"})
    version.refresh_from_db()
    assert response.status_code == 302 and version.status == VersionStatus.TERMINATED


def test_compare_page_for_partner(world, client_as):
    version = helpers.revision(world, world.partner_a)
    url = reverse("agreements:compare", args=[version.agreement_id])
    client = client_as(world.a_viewer)
    page = client.get(url).content.decode()
    assert "<del>4</del> → <ins>2</ins>" in page
    v1 = version.agreement.versions.get(number=1)
    assert client.get(url, {"old": v1.pk, "new": v1.pk}).status_code == 400
    assert client.get(url, {"old": v1.pk, "new": "abc"}).status_code == 400


def test_partner_never_sees_a_draft_in_compare(world, client_as):
    draft = helpers.revision(world, world.partner_a, send=False)
    v1 = draft.agreement.versions.get(number=1)
    url = reverse("agreements:compare", args=[draft.agreement_id])
    response = client_as(world.a_manager).get(url, {"old": v1.pk, "new": draft.pk})
    assert response.status_code == 400
    assert "<ins>2</ins>" not in response.content.decode() and "nothing to compare" in response.content.decode()
    host = client_as(world.manager).get(url, {"old": v1.pk, "new": draft.pk})
    assert host.status_code == 200 and "<del>4</del> → <ins>2</ins>" in host.content.decode()


def test_hub_section_and_dashboard(world, client_as):
    version = helpers.revision(world, world.partner_a)
    page = client_as(world.a_manager).get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    assert 'id="section-agreements"' in page and "awaits your signature" in page
    page = client_as(world.a_viewer).get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    assert 'id="section-agreements"' in page and "awaits your signature" not in page
    dashboard = client_as(world.manager).get(reverse("dashboard")).content.decode()
    assert reverse("agreements:version", args=[version.pk]) in dashboard


def test_print_page_has_print_stylesheet_and_matrix(world, client_as):
    version = helpers.active(world, world.partner_a)
    page = client_as(world.a_viewer).get(reverse("agreements:print", args=[version.pk])).content.decode()
    assert "agreements/print.css" in page
    assert 'id="channel-matrix"' in page and "Delivery delays" in page and "Portal notice" in page


@pytest.mark.parametrize("kind", ["nonsense"])
def test_unknown_row_kind_is_404(world, client_as, kind):
    version = helpers.draft(world, world.partner_a)
    assert client_as(world.manager).get(reverse("agreements:row_create", args=[version.pk, kind])).status_code == 404


def test_editor_links_kpi_targets_of_the_partner_only(world, client_as):
    from tests.agreements.test_models import _target

    version = helpers.draft(world, world.partner_a)
    own, other = _target(world.partner_a), _target(world.partner_b)
    client = client_as(world.manager)
    url = reverse("agreements:edit", args=[version.pk])
    page = client.get(url).content.decode()
    assert f'value="{own.pk}"' in page and f'value="{other.pk}"' not in page
    data = {"review_date": version.review_date.isoformat(), "summary": "Scope.", "kpi_targets": [other.pk]}
    response = client.post(url, data)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not version.kpi_targets.exists()
    response = client.post(url, {**data, "kpi_targets": [own.pk]})
    assert response.status_code == 302
    assert list(version.kpi_targets.all()) == [own]
    page = client_as(world.a_viewer)
    # Sent to the partner, the targets are part of what it sees.
    from agreements import services

    services.version_send(version=version, user=world.admin)
    body = page.get(reverse("agreements:version", args=[version.pk])).content.decode()
    assert 'id="kpi-targets"' in body and str(own.value) in body.replace(".0", "")


def test_pages_in_danish(world, client_as):
    version = helpers.revision(world, world.partner_a)
    world.a_manager.language = "da"
    world.a_manager.save()
    client = client_as(world.a_manager)
    client.cookies["django_language"] = "da"
    body = client.get(reverse("agreements:version", args=[version.pk]), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Kanalmatrix" in body and "Underskriv denne version" in body and "Leveringsforsinkelser" in body


def test_agreement_page_shows_pending_changes_and_sign_button(world, client_as):
    version = helpers.revision(world, world.partner_a)
    url = reverse("agreements:detail", args=[version.agreement_id])
    manager_page = client_as(world.a_manager).get(url).content.decode()
    assert "What version 2 changes compared with version 1" in manager_page
    assert "<del>4</del> → <ins>2</ins>" in manager_page and "detail-sign-button" in manager_page
    viewer_page = client_as(world.a_viewer).get(url).content.decode()
    assert "<del>4</del> → <ins>2</ins>" in viewer_page and "detail-sign-button" not in viewer_page


def test_version_page_query_count_does_not_grow_with_rows(world, client_as, django_assert_max_num_queries):
    from agreements import services
    from agreements.models import EscalationStep, Party

    version = helpers.draft(world, world.partner_a)
    client = client_as(world.manager)
    url = reverse("agreements:version", args=[version.pk])
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for level in range(2, 12):
        services.row_save(
            version=version,
            row=EscalationStep(level=level, after_hours=level * 4, party=Party.HOST, user=world.admin),
            user=world.admin,
        )
        services.row_save(
            version=version,
            row=Responsibility(party=Party.HOST, activity=f"Activity {level}", user=world.admin, responsible_for="x"),
            user=world.admin,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("Activity ") == 10


def test_signing_asks_for_confirmation_through_pages(world, client_as):
    version = helpers.in_review(world, world.partner_a)
    url = reverse("agreements:sign", args=[version.pk])
    # Both sign forms carry a required checkbox naming the organisation one signs for.
    page = client_as(world.a_manager).get(reverse("agreements:version", args=[version.pk])).content.decode()
    form = page[page.index(f'action="{url}"') :]
    form = form[: form.index("</form>")]
    assert 'type="checkbox" name="confirm"' in form and "required" in form
    assert f"I have read this version and sign for {world.partner_a.name}" in form
    page = client_as(world.manager).get(reverse("agreements:version", args=[version.pk])).content.decode()
    host_name = Organization.objects.host().get().name
    assert f"I have read this version and sign for {host_name}" in page
    detail = client_as(world.a_manager).get(version.agreement.get_absolute_url()).content.decode()
    form = detail[detail.index(f'action="{url}"') :]
    form = form[: form.index("</form>")]
    assert 'type="checkbox" name="confirm"' in form and "required" in form and "detail-sign-button" in form
    # Without the tick: a clear message and nothing signed.
    response = client_as(world.a_manager).post(url)
    assert response.status_code == 302
    assert any("Tick the box" in m for m in _messages(response))
    assert version.signatures.count() == 0
    # With it: signed.
    response = client_as(world.a_manager).post(url, {"confirm": "1"})
    assert any("signature was recorded" in m for m in _messages(response))
    assert version.signatures.count() == 1


def test_a_draft_identical_to_the_active_version_is_not_sent_through_page(world, client_as):
    helpers.active(world, world.partner_a)
    draft = services.draft_create(agreement=helpers.agreement(world, world.partner_a), user=world.admin)
    response = client_as(world.manager).post(reverse("agreements:send", args=[draft.pk]))
    assert response.status_code == 302
    assert any("Nothing differs from the version in force" in m for m in _messages(response))
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT and draft.sent_at is None
    # One change, and it can be sent.
    services.version_update(version=draft, user=world.admin, summary="Scope, now with returns.")
    response = client_as(world.manager).post(reverse("agreements:send", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == VersionStatus.IN_REVIEW


def test_agreement_list_filter_has_a_button_and_no_autosubmit(world, client_as):
    page = client_as(world.admin).get(reverse("agreements:list")).content.decode()
    form = page[page.index('<form method="get"') :]
    form = form[: form.index("</form>")]
    assert 'name="status"' in form and 'type="submit"' in form and ">Filter</button>" in form
    assert "data-autosubmit" not in page


def test_hub_reads_agreement_versions_and_pending_in_one_query(world, django_assert_num_queries):
    """The hub section's agreement, visible versions and "awaits your signature" come from one query,
    and say what agreement_of_partner / visible_versions / pending_for say."""
    from agreements import selectors

    version = helpers.revision(world, world.partner_a)
    for user in (world.a_manager, world.a_viewer, world.manager):
        with django_assert_num_queries(1):
            agreement, versions = selectors.partner_agreement_versions(user=user, partner=world.partner_a)
        assert agreement == selectors.agreement_of_partner(user=user, partner=world.partner_a)
        assert versions == list(selectors.visible_versions(user=user, agreement=agreement))
        pending = set(selectors.pending_for(user=user).values_list("pk", flat=True))
        assert {v.pk for v in versions if v.awaits_signature} == pending & {v.pk for v in versions}
    assert version.pk in {v.pk for v in versions}
    agreement, versions = selectors.partner_agreement_versions(user=world.a_manager, partner=world.partner_b)
    assert agreement is None and versions == []
