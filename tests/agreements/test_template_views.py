"""The template pages, the "new agreement" page's template, the template's changes on the agreement
page and the carry-over button."""

import pytest
from django.urls import reverse
from django.utils import translation

from agreements.models import AgreementTemplate, VersionStatus
from tests.agreements import helpers
from tests.agreements import templates_helpers as th
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_new_agreement_page_offers_the_default_template(world):
    default = AgreementTemplate.objects.get(is_default=True)
    client = client_for(world.manager)
    page = client.get(reverse("agreements:create", args=[world.partner_a.pk])).content.decode()
    assert f'<option value="{default.pk}" selected>' in page
    response = client.post(
        reverse("agreements:create", args=[world.partner_a.pk]), {"title": "", "template": default.pk}
    )
    assert response.status_code == 302
    version = world.partner_a.agreements.get().versions.get()
    assert version.template_revision.template == default
    assert version.channelrule_set.count() == 7
    assert response["Location"] == reverse("agreements:edit", args=[version.pk])


def test_a_template_that_is_not_offered_is_refused(world):
    client = client_for(world.manager)
    response = client.post(reverse("agreements:create", args=[world.partner_a.pk]), {"title": "", "template": 999999})
    assert response.status_code == 400
    assert not world.partner_a.agreements.exists()


def test_an_admin_creates_a_template_through_the_page(world):
    client = client_for(world.admin)
    response = client.post(reverse("agreements:template_create"), th.form_data(name="Carrier standard"))
    template = AgreementTemplate.objects.get(name="Carrier standard")
    assert response.status_code == 302 and response["Location"] == template.get_absolute_url()
    revision = template.latest_revision()
    assert revision.channels[1] == {
        "topic": "delivery_delays",
        "channel": "portal_notice",
        "response_hours": 2,
        "party": "partner",
        "note": "Straks ved kendt forsinkelse",
    }
    assert revision.kpis[0]["value"] == 24.0


def test_bad_rows_answer_400_with_the_rows_rules_and_change_nothing(world):
    template = th.template(world)
    parts = th.standard_parts()
    parts["channels"][0]["response_hours"] = 0
    parts["kpis"][1]["warning"] = 0.1
    client = client_for(world.admin)
    url = reverse("agreements:template_edit", args=[template.pk])
    response = client.post(url, th.form_data(parts, name=template.name))
    assert response.status_code == 400
    body = response.content.decode()
    assert "The response time is at least one hour." in body
    assert "thresholds lie above the target" in body
    # Rows fine one by one, but a topic twice: the service's check, on the form.
    parts = th.standard_parts()
    parts["channels"][2]["topic"] = "daily_operations"
    response = client.post(url, th.form_data(parts, name=template.name))
    assert response.status_code == 400
    assert "Channel matrix, row 3: This topic is already in the channel matrix." in response.content.decode()
    assert template.revisions.count() == 1


def test_the_edit_page_saved_unchanged_changes_nothing(world):
    template = th.template(world)
    client = client_for(world.admin)
    page = client.get(reverse("agreements:template_edit", args=[template.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None and value is not False:
            data[name] = value
    for formset in form.parts.values():
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for row in formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value is not None and value is not False and value != "":
                    data[row.add_prefix(name)] = value
    history = template.history.count()
    response = client.post(reverse("agreements:template_edit", args=[template.pk]), data)
    form = response.context["form"] if response.status_code == 400 else None
    assert response.status_code == 302, (form.errors, [(f.errors, f.non_form_errors()) for f in form.parts.values()])
    assert template.revisions.count() == 1
    assert template.history.count() == history


def test_the_agreement_page_shows_the_templates_changes_and_carries_them(world):
    template = th.template(world)
    active = th.built_active(world, world.partner_a, template)
    url = reverse("agreements:detail", args=[active.agreement_id])
    assert "template-changes" not in client_for(world.manager).get(url).content.decode()
    th.change(world, template, note="Svartid på forsinkelser skærpet")
    page = client_for(world.manager).get(url).content.decode()
    assert 'id="template-changes"' in page and "Svartid på forsinkelser skærpet" in page
    assert 'id="carry-template-button"' in page
    assert 'id="template-diff-channels"' in page
    # Partners never see templates: no template card on their agreement page.
    partner_page = client_for(world.a_manager).get(url).content.decode()
    assert "template-changes" not in partner_page and template.name not in partner_page
    response = client_for(world.manager).post(reverse("agreements:carry_template", args=[active.agreement_id]))
    draft = active.agreement.versions.get(status=VersionStatus.DRAFT)
    assert response["Location"] == reverse("agreements:edit", args=[draft.pk])
    page = client_for(world.manager).get(url).content.decode()
    assert 'id="template-changes"' not in page and 'id="template-source"' in page


def test_a_failed_carry_says_why_and_changes_nothing(world):
    plain = helpers.active(world, world.partner_a)
    client = client_for(world.manager)
    response = client.post(reverse("agreements:carry_template", args=[plain.agreement_id]), follow=True)
    assert "This agreement was not built from a template." in response.content.decode()
    assert plain.agreement.versions.count() == 1


def test_the_template_page_shows_revisions_and_what_changed(world):
    template = th.template(world)
    th.built(world, world.partner_a, template)
    th.change(world, template, note="Nyt niveau 5")
    client = client_for(world.manager)
    page = client.get(template.get_absolute_url()).content.decode()
    assert "Nyt niveau 5" in page and 'id="template-diff-escalation"' in page
    assert "Alfa Logistik A/S" in page
    assert 'id="edit-template"' not in page  # managers read templates; admins keep them
    assert client.get(template.get_absolute_url() + "?revision=1").status_code == 200
    assert client.get(template.get_absolute_url() + "?revision=99").status_code == 404


def test_the_pages_in_danish(world):
    template = th.template(world)
    world.admin.language = "da"
    world.admin.save()
    client = client_for(world.admin)
    client.cookies["django_language"] = "da"
    with translation.override("da"):
        pages = [
            client.get(reverse("agreements:template_list")),
            client.get(template.get_absolute_url()),
            client.get(reverse("agreements:template_edit", args=[template.pk])),
            client.get(reverse("agreements:create", args=[world.partner_a.pk])),
        ]
    assert all(p.status_code == 200 for p in pages)
    body = "".join(p.content.decode() for p in pages)
    for text in ("Aftaleskabeloner", "Rediger skabelon", "Standard-KPI'er med standardmål", "Skabelon"):
        assert text in body


def test_the_django_admin_shows_templates_with_their_revisions_read_only(world):
    template = th.template(world)
    th.change(world, template)
    client = client_for(world.admin)
    assert client.get(reverse("admin:agreements_agreementtemplate_changelist")).status_code == 200
    page = client.get(reverse("admin:agreements_agreementtemplate_change", args=[template.pk]))
    assert page.status_code == 200 and "Faster delivery delays" in page.content.decode()
    assert client.get(reverse("admin:agreements_agreementtemplate_history", args=[template.pk])).status_code == 200
    response = client.post(reverse("admin:agreements_agreementtemplate_change", args=[template.pk]), {"name": "x"})
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name == "Test template"


def test_the_api_creates_an_agreement_from_a_template(world):
    import json

    template = th.template(world)
    client = client_for(world.manager)
    url = reverse("api:agreement-list")
    response = client.post(
        url,
        json.dumps({"partner": world.partner_a.pk, "title": "x", "template": 999999}),
        content_type="application/json",
    )
    assert response.status_code == 400 and "template" in response.json()
    assert not world.partner_a.agreements.exists()
    response = client.post(
        url,
        json.dumps({"partner": world.partner_a.pk, "title": "From template", "template": template.pk}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert "template" not in response.json()
    version = world.partner_a.agreements.get().versions.get()
    assert version.template_revision == template.latest_revision()
    assert version.escalationstep_set.count() == 4
