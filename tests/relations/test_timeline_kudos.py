from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relations import timeline
from relations.models import Kudos, TimelineEvent
from tests.partners.hub import hub_page
from tests.relations import helpers

pytestmark = pytest.mark.django_db


def test_services_write_the_timeline_and_partners_never_see_internal_lines(world, client_as):
    notice = helpers.notice(world, world.partner_a)
    case = helpers.case(world, world.partner_a)
    Kudos_ = helpers.kudos(world, world.partner_a)
    helpers.engagement(world, world.partner_a)
    helpers.roadmap_item(world, world.partner_a)
    timeline.record(partner=world.partner_a, category="case", title="Internal escalation", key="x:1", internal=True)
    categories = set(TimelineEvent.objects.filter(partner=world.partner_a).values_list("category", flat=True))
    assert categories == {"notice", "case", "success", "engagement", "roadmap"}
    url = reverse("relations:timeline", args=[world.partner_a.pk])
    partner_page = client_as(world.a_viewer).get(url).content.decode()
    assert notice.title in partner_page and case.title in partner_page and Kudos_.title in partner_page
    assert "Internal escalation" not in partner_page
    assert "Internal escalation" in client_as(world.manager).get(url).content.decode()
    api = client_as(world.a_viewer).get(reverse("api:timeline-event-list")).json()["results"]
    assert "Internal escalation" not in str(api)


def test_filter_by_category(world, client_as):
    helpers.notice(world, world.partner_a)
    helpers.case(world, world.partner_a)
    url = reverse("relations:timeline", args=[world.partner_a.pk]) + "?category=case"
    page = client_as(world.manager).get(url).content.decode()
    assert "Missed pick-ups" in page and "Delay at" not in page


def test_timeline_is_paginated_with_constant_queries(world, client_as, django_assert_max_num_queries):
    now = timezone.now()
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            partner=world.partner_a,
            category="meeting",
            title=f"Event {i}",
            key=f"t:{i}",
            occurred_at=now - timedelta(days=i),
        )
        for i in range(30)
    )
    client = client_as(world.a_manager)
    url = reverse("relations:timeline", args=[world.partner_a.pk])
    with django_assert_max_num_queries(20) as small:
        first = client.get(url).content.decode()
    first_page_queries = len(small)  # read now: later requests reset the connection's query log
    assert "Event 0<" in first and "Event 24<" in first and "Event 25<" not in first
    assert "Event 25<" in client.get(url + "?page=2").content.decode()
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            partner=world.partner_a,
            category="meeting",
            title=f"Old {i}",
            key=f"o:{i}",
            occurred_at=now - timedelta(days=400 + i),
        )
        for i in range(3000)
    )
    with django_assert_max_num_queries(first_page_queries):
        client.get(url + "?page=50")


def test_kudos_shown_on_the_hub_for_both_sides_and_not_to_others(world, client_as):
    data = {"partner": world.partner_a.pk, "title": "Record week: 99.8 % on time", "message": "Thanks, team!"}
    # A partner viewer reads; giving kudos is for the partner's managers.
    assert client_as(world.a_viewer).post(reverse("relations:kudos_create"), data).status_code == 403
    assert not Kudos.objects.exists()
    response = client_as(world.a_manager).post(reverse("relations:kudos_create"), data)
    assert response.status_code == 302
    kudos = Kudos.objects.get()
    assert kudos.side == "partner"
    hub = hub_page(client_as(world.manager), world.partner_a)  # the successes section loads lazily
    assert "Record week: 99.8 % on time" in hub
    assert "Record week" not in client_as(world.b_manager).get(reverse("relations:success_list")).content.decode()
    dashboard = client_as(world.manager).get(reverse("dashboard")).content.decode()
    assert "Record week: 99.8 % on time" in dashboard


def test_kudos_without_title_is_refused(world, client_as):
    response = client_as(world.manager).post(
        reverse("relations:kudos_create"), {"partner": world.partner_a.pk, "title": ""}
    )
    assert response.status_code == 400
    assert not Kudos.objects.exists()


def test_detected_kpi_successes_are_merged_with_kudos(world, monkeypatch):
    from relations import selectors
    from relations.selectors import kudos as kudos_selectors

    monkeypatch.setattr(
        kudos_selectors,
        "detected_groups",
        lambda user, partner=None, since=None, limit=20: [
            {
                "kind": "kpi",
                "title": "Best delivery time ever",
                "detail": "",
                "date": timezone.localdate() - timedelta(days=1),
                "partner": None,
            }
        ],
    )
    helpers.kudos(world, world.partner_a)
    items = selectors.successes(user=world.manager, partner=world.partner_a)
    assert [i["kind"] for i in items] == ["kudos", "kpi"]


def test_hub_sections_render_for_a_partner_user(world, client_as, django_assert_max_num_queries):
    helpers.notice(world, world.partner_a)
    helpers.case(world, world.partner_a)
    helpers.engagement(world, world.partner_a)
    page = hub_page(client_as(world.a_manager), world.partner_a)  # with the lazy sections loaded
    for text in ("Relationship", "Successes", "Engagements", "Delay at", "Missed pick-ups", "Visit "):
        assert text in page


def test_timeline_lines_are_shown_in_each_readers_language(world, client_as):
    from django.utils import translation

    with translation.override("da"):  # the author works in Danish …
        helpers.case(world, world.partner_a)
    world.a_manager.language = "en"
    world.a_manager.save()
    url = reverse("relations:timeline", args=[world.partner_a.pk])
    english = client_as(world.a_manager).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Case raised: Missed pick-ups" in english  # … the English reader still reads English
    world.manager.language = "da"
    world.manager.save()
    danish = client_as(world.manager).get(url).content.decode()
    assert "Sag rejst: Missed pick-ups" in danish


def test_kpi_successes_on_the_hub_and_timeline_respect_shared_kpis(world, client_as):
    kpis = pytest.importorskip("kpis.models")
    from datetime import date

    shown = kpis.PartnerKPI.objects.create(
        partner=world.partner_a, kpi=kpis.KPIDefinition.objects.get(code="delivery-time"), shared=True
    )
    hidden = kpis.PartnerKPI.objects.create(
        partner=world.partner_a, kpi=kpis.KPIDefinition.objects.get(code="inventory-turnover"), shared=False
    )
    for assignment, text in ((shown, "Fastest delivery month ever"), (hidden, "Best turnover ever")):
        kpis.Success.objects.create(
            partner=world.partner_a,
            kpi=assignment.kpi,
            partner_kpi=assignment,
            kind="record",
            period_start=date(2026, 10, 1),
            value=1,
            text=text,
        )
    # The timeline's lines are in the relationship section, which the hub loads as it comes into view.
    partner_page = hub_page(client_as(world.a_viewer), world.partner_a)
    assert "Fastest delivery month ever" in partner_page and "Best turnover ever" not in partner_page
    assert "Best turnover ever" in hub_page(client_as(world.manager), world.partner_a)
    lines = dict(TimelineEvent.objects.filter(category="success").values_list("title", "internal"))
    assert lines == {"Fastest delivery month ever": False, "Best turnover ever": True}


def test_agreement_life_cycle_lands_on_the_timeline(world):
    agreements = pytest.importorskip("agreements.models")
    agreement = agreements.Agreement.objects.create(partner=world.partner_a, title="Samarbejdsaftale")
    version = agreements.AgreementVersion.objects.create(agreement=agreement, number=1, created_by=world.manager)
    assert not TimelineEvent.objects.exists()  # drafts are the host's work in progress
    version.status, version.sent_at = "in_review", timezone.now()
    version.save()
    version.status, version.activated_at = "active", timezone.now()
    version.save()
    lines = TimelineEvent.objects.filter(partner=world.partner_a, category="agreement").order_by("id")
    assert [line.display_title for line in lines] == [
        "Agreement version 1 sent for sign-off",
        "Agreement version 1 is active",
    ]
    assert not TimelineEvent.objects.filter(partner=world.partner_b).exists()
