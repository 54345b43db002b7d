"""The health score the pages, the API and the trend show is one stored snapshot per partner and
month, refreshed on commit when one of its inputs changes (issue 16).

Before: the hub and the health page recomputed the score live while `/api/health-snapshots/` and
the trend showed the stored snapshot, stale until someone pressed Recompute (75 against 70)."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services as meeting_services
from partnerportal.celery import app as celery_app
from relations import health, hub, selectors, services
from relations.models import Case, HealthSnapshot
from tests.conftest import client_for
from tests.factories import OrganizationFactory
from tests.kpis.helpers import setup_partner
from tests.relations import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_tasks():
    """The Celery task the receivers queue on commit runs in-process here."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def _score(text):
    return None if text in ("–", "") else int(text)


def _relationship_section_html(user, partner) -> str:
    from django.template.loader import render_to_string

    request = RequestFactory().get("/")
    request.user = user
    context = hub._relationship_section(request, partner)
    return render_to_string("relations/hub/relationship.html", {"ctx": context, "partner": partner}, request)


def figures(world, partner) -> dict:
    """The current health score of `partner` as each reader shows it (host manager's view)."""
    client = client_for(world.manager)
    month = health.month_start(timezone.localdate())
    hub_page = client.get(reverse("partners:detail", args=[partner.pk])).content.decode()
    if 'id="hub-health-score"' not in hub_page:  # the section loads on its own (lazy hub): render it
        hub_page = _relationship_section_html(world.manager, partner)
    page = client.get(reverse("relations:health", args=[partner.pk]))
    api = client.get(reverse("api:health-snapshot-list"), {"partner": partner.pk, "month": month.isoformat()}).json()
    last = page.context["trend"][-1]
    assert last.month == month
    return {
        "hub": _score(re.search(r'id="hub-health-score">([^<]*)<', hub_page).group(1)),
        "page": _score(re.search(r'id="health-score">([^<]*)<', page.content.decode()).group(1)),
        "trend": last.score,
        "chart": page.context["chart"]["scores"][-1],
        "api": api["results"][0]["score"] if api["results"] else "missing",
    }


def _add_overdue_action_item(world):
    item = meeting_services.action_item_create(
        user=world.manager,
        partner=world.partner_a,
        title="Send the pallet count",
        owner=world.a_manager,
        due_date=timezone.localdate() + timedelta(days=3),
    )
    # Due yesterday and still open: the action items part appears with 0/1.
    yesterday = timezone.localdate() - timedelta(days=1)
    meeting_services.action_item_update(user=world.manager, item=item, due_date=yesterday)


def _acknowledge_notice(world, notice):
    services.notice_acknowledge(user=world.manager, notice=notice)


def _raise_case(world):
    helpers.case(world, world.partner_a, title="Damaged pallets")


def _answer_survey(world, survey):
    services.survey_answer(user=world.a_manager, survey=survey, scores={q["key"]: 5 for q in survey.questions})


def _bulk(world, rows):
    client = client_for(world.manager)
    response = client.post(
        reverse("api:kpi-measurement-bulk"), data=json.dumps({"measurements": rows}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response


def _measure_off_target(world):
    today = timezone.localdate()
    row = {"partner": world.partner_a.pk, "kpi": "error-rate", "period_start": today.isoformat()}
    _bulk(world, [{**row, "numerator": 5, "denominator": 100}])


def _change_target(world, assignment):
    from kpis import services as kpi_services

    kpi_services.target_set(
        user=world.manager,
        partner_kpi=assignment,
        horizon=assignment.targets.first().horizon,
        value=10,
        valid_from=timezone.localdate() - timedelta(days=100),
    )


def _prepare(kind, world):
    """What the change needs in place before the stored baseline (no refresh runs here)."""
    if kind == "notice":
        return helpers.notice(world, world.partner_a)  # posted now: not counted until acknowledged
    if kind == "survey":
        return helpers.survey(world, world.partner_a, anonymous=False)  # named: results as they come
    if kind == "target":
        error, *_rest = setup_partner(world.partner_a)
        _measure_off_target(world)
        return error
    if kind == "measurement":
        setup_partner(world.partner_a)
    return None


CHANGES = {
    "action item": lambda world, prepared: _add_overdue_action_item(world),
    "notice": _acknowledge_notice,
    "case": lambda world, prepared: _raise_case(world),
    "survey": _answer_survey,
    "measurement": lambda world, prepared: _measure_off_target(world),
    "target": _change_target,
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_page_api_and_trend_show_the_same_figure_right_after_an_input_changes(
    world, kind, django_capture_on_commit_callbacks
):
    prepared = _prepare(kind, world)
    case = helpers.case(world, world.partner_a)
    Case.objects.filter(pk=case.pk).update(raised_at=timezone.now() - timedelta(days=40))
    before = health.snapshot(world.partner_a, timezone.localdate()).score
    assert set(figures(world, world.partner_a).values()) == {before}

    with django_capture_on_commit_callbacks(execute=True):
        CHANGES[kind](world, prepared)

    now_live = health.compute(world.partner_a, timezone.localdate())[0]
    assert now_live != before, "the change must move the score, else this test proves nothing"
    assert figures(world, world.partner_a) == dict.fromkeys(("hub", "page", "trend", "chart", "api"), now_live)


def test_a_bulk_import_refreshes_once_per_partner_not_per_row(world, monkeypatch, django_capture_on_commit_callbacks):
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    refreshed = []
    real_refresh = health.refresh
    monkeypatch.setattr(health, "refresh", lambda partner_id: refreshed.append(partner_id) or real_refresh(partner_id))
    today = timezone.localdate()
    rows = [
        {
            "partner": (world.partner_a if i % 2 else world.partner_b).pk,
            "kpi": "error-rate",
            "period_start": (today - timedelta(days=i // 2)).isoformat(),
            "numerator": i % 3,
            "denominator": 100,
        }
        for i in range(100)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _bulk(world, rows)
        assert refreshed == []  # nothing is computed inside the writer's transaction
    assert sorted(refreshed) == sorted([world.partner_a.pk, world.partner_b.pk])
    assert len(callbacks) >= 1
    month = health.month_start(today)
    for partner in (world.partner_a, world.partner_b):
        stored = HealthSnapshot.objects.get(partner=partner, month=month)
        assert stored.score == health.compute(partner, today)[0]


def test_a_rolled_back_write_loses_no_refresh(world, monkeypatch, django_capture_on_commit_callbacks):
    from django.db import transaction

    refreshed = []
    monkeypatch.setattr(health, "refresh", lambda partner_id: refreshed.append(partner_id))
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                helpers.case(world, world.partner_b)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        helpers.case(world, world.partner_a)
    # The rolled-back savepoint's partner may be refreshed once more (harmless); A is never lost.
    assert world.partner_a.pk in refreshed and refreshed.count(world.partner_a.pk) == 1


def test_a_missing_snapshot_is_computed_on_first_read_once(world, monkeypatch):
    helpers.case(world, world.partner_a)
    calls = []
    real_compute = health.compute
    monkeypatch.setattr(health, "compute", lambda *a, **k: calls.append(a) or real_compute(*a, **k))
    assert not HealthSnapshot.objects.filter(partner=world.partner_a).exists()
    client = client_for(world.manager)
    client.get(reverse("partners:detail", args=[world.partner_a.pk]))
    client.get(reverse("relations:health", args=[world.partner_a.pk]))
    client.get(reverse("partners:detail", args=[world.partner_a.pk]))
    assert len(calls) == 1
    assert HealthSnapshot.objects.filter(partner=world.partner_a).count() == 1


def test_the_hub_section_reads_the_stored_snapshot_in_one_query(world, django_assert_num_queries):
    helpers.case(world, world.partner_a)
    stored = health.snapshot(world.partner_a, timezone.localdate())
    request = RequestFactory().get("/")
    request.user = world.manager
    with django_assert_num_queries(1):
        section = hub._relationship_section(request, world.partner_a)
        parts = {p.key: p.score for p in section["parts"]}
    assert section["score"] == stored.score
    assert parts["cases"] == stored.parts["cases"]["score"] and parts["kpi"] is None
    assert [p.label for p in section["parts"]][0] == "KPI attainment"
    assert f'id="hub-health-score">{stored.score}<' in _relationship_section_html(world.manager, world.partner_a)


def test_recompute_button_still_refreshes_twelve_months(world, client_as):
    url = reverse("relations:health_recompute", args=[world.partner_a.pk])
    assert client_as(world.manager).post(url).status_code == 302
    assert HealthSnapshot.objects.filter(partner=world.partner_a).count() == 12


# --- Dashboard panel and the list of every partner's health ---------------------------------------


def _partners_with_scores(world, scores, prefix="Partner"):
    month = health.month_start(timezone.localdate())
    made = []
    for i, score in enumerate(scores):
        partner = OrganizationFactory(name=f"{prefix} {i:02d}")
        if score != "none":
            HealthSnapshot.objects.create(partner=partner, month=month, score=score)
        made.append(partner)
    return made


def _panel_rows(response):
    table = re.search(r'id="health-panel">(.*?)</table>', response.content.decode(), re.S).group(1)
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', table)


def test_dashboard_panel_shows_the_ten_lowest_scores_and_links_the_rest(world, client_as):
    scores = [90, 12, 55, None, 70, 33, 81, 5, 64, 47, 99, 21, "none"]
    _partners_with_scores(world, scores)
    response = client_as(world.manager).get(reverse("dashboard"))
    rows = _panel_rows(response)
    scored = sorted((s, f"Partner {i:02d}") for i, s in enumerate(scores) if isinstance(s, int))
    assert rows == [name for _s, name in scored[:10]]
    assert f'href="{reverse("relations:health_list")}" id="health-panel-all"' in response.content.decode()


def test_partners_without_a_score_come_last(world, client_as):
    _partners_with_scores(world, [None, 40, "none"])
    rows = _panel_rows(client_as(world.manager).get(reverse("dashboard")))
    assert rows[0] == "Partner 01"
    assert set(rows[1:]) == {"Partner 00", "Partner 02", world.partner_a.name, world.partner_b.name}


def test_health_list_sorts_and_pages_in_sql(world, client_as):
    _partners_with_scores(world, [30 + i for i in range(28)])  # 28 + A and B: two pages of 25
    client = client_as(world.manager)
    url = reverse("relations:health_list")
    first = client.get(url)
    assert first.status_code == 200
    names = [p.name for p in first.context["page"]]
    assert names[:3] == ["Partner 00", "Partner 01", "Partner 02"] and len(names) == 25
    last = client.get(url, {"page": 2})
    assert [p.name for p in last.context["page"]][-2:] == sorted([world.partner_a.name, world.partner_b.name])
    by_score = [p.name for p in client.get(url, {"sort": "-score"}).context["page"]]
    assert by_score[0] == "Partner 27"
    by_name = [p.name for p in client.get(url, {"sort": "name"}).context["page"]]
    assert by_name == sorted(by_name)
    assert [p.name for p in client.get(url, {"sort": "bogus"}).context["page"]] == names
    assert 'href="?sort=score&amp;page=2"' in first.content.decode()


def test_health_list_is_for_host_staff(world, client_as):
    url = reverse("relations:health_list")
    assert client_as(world.admin).get(url).status_code == 200
    assert client_as(world.a_manager).get(url).status_code == 403
    assert client_as(world.a_viewer).get(url).status_code == 403


@pytest.mark.parametrize("url_name", ["dashboard", "relations:health_list"])
def test_panel_and_list_queries_do_not_grow_with_partners(world, client_as, url_name, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0  # the panels' own queries every time (the cache: tests/test_dashboard.py)
    client = client_as(world.manager)
    url = reverse(url_name)
    _partners_with_scores(world, [50])
    client.get(url)  # warm (sessions, caches)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _partners_with_scores(world, list(range(40)), prefix="More")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_health_scores_selector_reads_the_stored_figures(world):
    """The portfolio's sort key is the same stored figure the panel and the pages show."""
    month = health.month_start(timezone.localdate())
    HealthSnapshot.objects.create(partner=world.partner_a, month=month, score=61)
    assert selectors.health_scores([world.partner_a.pk, world.partner_b.pk]) == {
        world.partner_a.pk: 61,
        world.partner_b.pk: None,
    }


def test_a_write_of_many_partners_queues_one_message_per_batch_not_one_per_partner(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from relations import receivers, tasks

    queued = []
    monkeypatch.setattr(tasks.refresh_health_scores, "delay", lambda ids: queued.append(list(ids)))
    ids = list(range(1000, 1000 + receivers.REFRESH_BATCH + 5))
    # The world's own inputs, written in the test's transaction, are still pending: only this write's.
    transaction.get_connection().__dict__.pop(receivers.PENDING, None)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        receivers.refresh_health_on_commit(ids[:10])
        receivers.refresh_health_on_commit(ids[5:])
    assert queued == [ids[: receivers.REFRESH_BATCH], ids[receivers.REFRESH_BATCH :]]


def test_a_partner_whose_refresh_fails_does_not_stop_the_others_of_its_message(world, monkeypatch):
    from relations import tasks

    refreshed = []

    def refresh(partner_id):
        if partner_id == world.partner_a.pk:
            raise RuntimeError("broken input")
        refreshed.append(partner_id)

    monkeypatch.setattr(health, "refresh", refresh)
    assert tasks.refresh_health_scores([world.partner_a.pk, world.partner_b.pk]) == 1
    assert refreshed == [world.partner_b.pk]
