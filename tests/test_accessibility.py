"""Accessibility that the served HTML shows (WCAG 2.1 AA), through the test client, in English and Danish.

- Status is never told by colour alone: portfolio cells, the hub's KPI cells and trend arrows say it in words.
- Decorative icons are hidden from screen readers; icon-only links and buttons have a name.
- Every page about one object has a title of its own (the pages are those of the access registries).
- Charts are images with a description and a link to a table with their numbers.
- htmx answers tell the live region what happened.
The keyboard and focus behaviour is tested in a real browser: tests/test_browser_accessibility.py.
"""

import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from kpis.templatetags.kpi_status import trend_mark, trend_name
from tests.conftest import client_for
from tests.kpis.helpers import measure, setup_partner
from tests.test_access_matrix import ENDPOINTS

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts)
ICON = re.compile(r"<i\b[^>]*\bclass=\"[^\"]*\bbi\b[^>]*>")
# A link or button whose whole content is icons (no text): it needs aria-label or aria-labelledby.
ICON_ONLY = re.compile(r"<(a|button)\b([^>]*)>\s*(?:<i\b[^>]*>\s*</i>\s*)+</\1>")
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _title(html):
    return " ".join(unescape(TITLE.search(html).group(1)).split())


def _as(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return client_for(user)


# --- icons ------------------------------------------------------------------------------------


def test_the_template_scan_sees_a_bare_icon():
    assert ICON.search('<a href="#"><i class="bi bi-pencil"></i></a>')
    assert ICON_ONLY.search('<a href="#"><i class="bi bi-pencil" aria-hidden="true"></i></a>')
    assert not ICON_ONLY.search('<a href="#"><i class="bi bi-pencil" aria-hidden="true"></i> Edit</a>')


def test_every_icon_in_the_templates_is_hidden_and_icon_only_controls_are_named():
    assert len(TEMPLATES) > 80
    bare, unnamed = [], []
    for path in TEMPLATES:
        text = path.read_text()
        where = path.relative_to(ROOT)
        bare += [f"{where}: {m.group(0)}" for m in ICON.finditer(text) if "aria-hidden" not in m.group(0)]
        unnamed += [f"{where}: {m.group(0)[:120]}" for m in ICON_ONLY.finditer(text) if "aria-label" not in m.group(2)]
    assert not bare, "icons without aria-hidden:\n" + "\n".join(bare)
    assert not unnamed, "icon-only controls without a name:\n" + "\n".join(unnamed)


# --- one title per object, bare icons in rendered pages -----------------------------------------

PAGES = [e for e in ENDPOINTS if not e.api and e.method == "get" and e.partner_scoped]


@pytest.mark.django_db
def test_pages_about_different_objects_have_different_titles_and_no_bare_icons(world):
    """Every page about one object (the access registries' pages), for partner A's and B's objects: the
    titles differ, so a screen reader's tab list and the browser history tell them apart."""
    client = client_for(world.admin)
    same, bare, checked = [], [], 0
    for endpoint in PAGES:
        titles = []
        with transaction.atomic():  # each endpoint starts from the bare world (builds are not repeatable)
            for partner in (world.partner_a, world.partner_b):
                url = endpoint.build(world, partner)
                response = client.get(url)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    break
                html = response.content.decode()
                bare += [f"{url}: {m.group(0)}" for m in ICON.finditer(html) if "aria-hidden" not in m.group(0)]
                if "<title>" not in html:
                    break  # an htmx fragment, not a page
                titles.append(_title(html))
            transaction.set_rollback(True)
        if len(titles) == 2:
            checked += 1
            if titles[0] == titles[1]:
                same.append(f"{endpoint.id}: {titles[0]!r}")
    assert checked >= 30, checked
    assert not same, "pages whose title does not name their object:\n" + "\n".join(same)
    assert not bare, "rendered icons without aria-hidden:\n" + "\n".join(bare)


@pytest.mark.django_db
def test_each_meeting_of_a_series_has_its_own_title(world):
    from tests.meetings.helpers import make_series

    series = make_series(world, world.partner_a, title="Monthly review")
    meetings = list(series.meetings.order_by("start")[:3])
    assert len(meetings) == 3
    client = _as(world.manager, "da")
    titles = {_title(client.get(m.get_absolute_url()).content.decode()) for m in meetings}
    assert len(titles) == 3, titles
    assert all(series.title in t and world.partner_a.name in t for t in titles), titles


# --- status in words ------------------------------------------------------------------------


def _kpi_data(world):
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    # Error rate (lower is better): 1.0 % in February, 2.82 % in March: up, worse, critical.
    measure(world.partner_a, "error-rate", date(2025, 2, 3), numerator=1, denominator=100)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=1, denominator=100)
    measure(world.partner_a, "error-rate", date(2025, 3, 4), numerator=30, denominator=1000)
    # Delivery time (lower is better): 30 h in February, 20 h in March: down, better, on target.
    measure(world.partner_a, "delivery-time", date(2025, 2, 4), value=30, sample_size=10)
    measure(world.partner_a, "delivery-time", date(2025, 3, 4), value=20, sample_size=10)
    # Partner B: error rate 2.0 % (between the warning 1.5 % and the critical 2.5 %).
    measure(world.partner_b, "error-rate", date(2025, 3, 4), numerator=20, denominator=1000)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", {"critical": "Critical", "warning": "Warning", "on_target": "On target", "none": "No data"}),
        ("da", {"critical": "Kritisk", "warning": "Advarsel", "on_target": "På mål", "none": "Ingen data"}),
    ],
)
@pytest.mark.django_db
def test_portfolio_cells_say_their_status_in_words(world, language, words):
    _kpi_data(world)
    html = _as(world.manager, language).get(reverse("kpis:portfolio"), {"day": "2025-03-10"}).content.decode()
    cells = re.findall(r'<td class="text-end status-(\w+)"[^>]*>(.*?)</td>', html)
    assert {status for status, _ in cells} >= {"critical", "warning", "on_target", "no_data"}
    hidden = re.compile(r'<span class="visually-hidden"> ([^<]+)</span>')
    for status, cell in cells:
        word = words["none" if status == "no_data" else status]
        assert hidden.search(cell) and hidden.search(cell).group(1) == word, (status, cell)
        assert 'aria-hidden="true"' in cell  # the shape is a second, non-colour cue
    # The sort headers are real buttons; the table starts sorted by partner, and says so.
    assert html.count('<button type="button" class="btn btn-link') == html.count("data-sort=")
    assert re.search(r'<th data-sort="text" data-dir="asc" aria-sort="ascending"', html)
    assert 'role="button"' not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {"error-rate": ("Critical", "up – worse"), "delivery-time": ("On target", "down – better")}),
        ("da", {"error-rate": ("Kritisk", "op – dårligere"), "delivery-time": ("På mål", "ned – bedre")}),
    ],
)
@pytest.mark.django_db
def test_hub_kpi_cells_and_trend_arrows_are_named(world, language, expected):
    _kpi_data(world)
    client = _as(world.a_viewer, language)
    hub = client.get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    section = hub[hub.index('id="kpi-section"') :]
    card = client.get(
        reverse("kpis:scorecard", args=[world.partner_a.pk]), {"granularity": "month", "day": "2025-03-15"}
    ).content.decode()
    for code, (status, trend) in expected.items():
        # The hub: status and trend in words, in the row of the KPI.
        row = next(r for r in section.split("<tr>") if reverse("kpis:chart", args=[_pk(world, code)]) + '"' in r)
        assert f'<span class="visually-hidden"> {status}</span>' in row, row
        assert f'<span class="visually-hidden">{trend}</span>' in row, row
        # The scorecard: the arrow is named by words, not only by its colour.
        scorecard_row = card[card.index(f'data-kpi="{code}"') :].split("</tr>")[0]
        assert f'<span class="visually-hidden">{trend}</span>' in scorecard_row
        assert f'title="{trend}"' in scorecard_row


def _pk(world, code):
    from kpis.models import PartnerKPI

    return PartnerKPI.objects.get(partner=world.partner_a, kpi__code=code).pk


def test_trend_names_follow_the_kpis_direction_not_the_arrow():
    with translation.override("en"):
        assert trend_name("up", "higher") == "up – better"
        assert trend_name("up", "lower") == "up – worse"
        assert trend_name("down", "higher") == "down – worse"
        assert trend_name("down", "lower") == "down – better"
        assert trend_name("flat", "lower") == "unchanged"
        assert "text-danger" in trend_mark({"trend": "up", "direction": "lower"})
        assert "text-success" in trend_mark({"trend": "up", "direction": "higher"})
        assert trend_mark({"trend": None, "direction": "higher"}) == ""
    with translation.override("da"):
        assert trend_name("up", "higher") == "op – bedre"
        assert trend_name("down", "higher") == "ned – dårligere"
        assert trend_name("flat", "higher") == "uændret"


# --- charts ---------------------------------------------------------------------------------


def _canvas(html, canvas_id):
    return re.search(rf'<canvas id="{canvas_id}"[^>]*>', html).group(0)


@pytest.mark.parametrize("language", ["en", "da"])
@pytest.mark.django_db
def test_kpi_chart_is_an_image_with_a_description_and_a_data_table(world, language):
    _kpi_data(world)
    client = _as(world.manager, language)
    html = client.get(reverse("kpis:chart", args=[_pk(world, "delivery-time")])).content.decode()
    canvas = _canvas(html, "kpi-chart")
    assert 'role="img"' in canvas
    label = unescape(re.search(r'aria-label="([^"]+)"', canvas).group(1))
    assert world.partner_a.name in label and ("Delivery" in label or "Leveringstid" in label), label
    assert 'href="#kpi-chart-table"' in html and 'id="kpi-chart-table"' in html
    table = html[html.index('id="kpi-chart-table"') :].split("</table>")[0]
    assert "20.0" in table or "20,0" in table  # the March value the chart draws

    card = client.get(
        reverse("kpis:scorecard", args=[world.partner_a.pk]), {"granularity": "month", "day": "2025-03-15"}
    ).content.decode()
    sparks = re.findall(r'<canvas class="kpi-spark"[^>]*>', card)
    assert sparks and all('role="img"' in s and "aria-label=" in s and "aria-hidden" not in s for s in sparks)
    assert card.count('href="#scorecard-periods"') == len(sparks) and 'id="scorecard-periods"' in card
    periods = card[card.index('id="scorecard-periods"') :].split("</details>")[0]
    assert "30.0" in periods or "30,0" in periods  # February's delivery time, drawn in the small chart


@pytest.mark.parametrize("language", ["en", "da"])
@pytest.mark.django_db
def test_health_chart_is_an_image_with_a_description_and_a_data_table(world, language):
    from django.utils import timezone

    from relations.models import HealthSnapshot

    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    for month, score in ((last_month, 61), (this_month, 74)):  # the page shows the month's stored score
        HealthSnapshot.objects.create(partner=world.partner_a, month=month, score=score, parts={})
    html = _as(world.manager, language).get(reverse("relations:health", args=[world.partner_a.pk])).content.decode()
    canvas = _canvas(html, "health-chart")
    assert 'role="img"' in canvas
    label = unescape(re.search(r'aria-label="([^"]+)"', canvas).group(1))
    assert world.partner_a.name in label and "74" in label, label
    table = html[html.index('id="health-data"') :].split("</table>")[0]
    assert 'href="#health-data"' in html and '<th scope="col"' in table and "61" in table and "74" in table


# --- htmx answers are announced -------------------------------------------------------------------


@pytest.mark.parametrize(("language", "words"), [("en", "2 partners found."), ("da", "2 partnere fundet.")])
@pytest.mark.django_db
def test_partner_search_announces_the_number_of_results(world, language, words):
    import json

    response = _as(world.manager, language).get(reverse("partners:list"), {"q": "a"}, HTTP_HX_REQUEST="true")
    assert json.loads(response["HX-Trigger-After-Settle"]) == {"portal:announce": words}
    # The page itself (no htmx) has the live region the words go to.
    page = client_for(world.manager).get(reverse("partners:list")).content.decode()
    assert re.search(r'<div id="live-status"[^>]*role="status"[^>]*aria-live="polite"', page)
