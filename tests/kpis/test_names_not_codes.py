"""A partner's "KPIs" menu item is their own scorecard, and pages name KPIs, never by their codes (issue #14)."""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from kpis.models import KPIDefinition, PartnerKPI
from tests.kpis.helpers import internal_kpi, measure, setup_partner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _nav(html: str) -> str:
    return html[html.index("<nav") : html.index("</nav>")]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_partner_kpis_menu_opens_their_own_scorecard(world, client_as):
    setup_partner(world.partner_a)
    own = reverse("kpis:scorecard", args=[world.partner_a.pk])
    for user in (world.a_manager, world.a_viewer):
        nav = _nav(client_as(user).get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode())
        assert re.search(rf'href="{own}"[^>]*>(<i [^>]*></i> )?KPIs<', nav), nav
        assert f'href="{reverse("kpis:definitions")}"' not in nav
    # On the scorecard itself the menu item is the current page.
    nav = _nav(client_as(world.a_manager).get(own).content.decode())
    assert re.search(rf'href="{own}" aria-current="page"', nav)
    # Host staff keep the portfolio and the definitions.
    nav = _nav(client_as(world.manager).get(reverse("kpis:portfolio")).content.decode())
    assert f'href="{reverse("kpis:definitions")}"' in nav and f'href="{reverse("kpis:portfolio")}"' in nav


def _pages(world):
    a = world.partner_a.pk
    chart = PartnerKPI.objects.get(partner=world.partner_a, kpi__code="error-rate").pk
    host = [
        reverse("kpis:definitions"),
        reverse("kpis:portfolio"),
        reverse("kpis:scorecard", args=[a]),
        reverse("kpis:measurements", args=[a]),
        reverse("kpis:partner_kpis", args=[a]),
        reverse("kpis:chart", args=[chart]),
        reverse("partners:detail", args=[a]),
        reverse("dashboard"),
    ]
    partner = [
        reverse("kpis:definitions"),
        reverse("kpis:scorecard", args=[a]),
        reverse("kpis:measurements", args=[a]),
        reverse("kpis:chart", args=[chart]),
        reverse("partners:detail", args=[a]),
    ]
    return host, partner


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_kpi_code_is_shown_on_the_kpi_pages(world, client_as, language):
    setup_partner(world.partner_a)
    for day in (date(2026, 9, 3), date(2026, 10, 3)):
        measure(world.partner_a, "error-rate", day, numerator=3, denominator=1000)
        measure(world.partner_a, "delivery-time", day, value=20, sample_size=10)
        measure(world.partner_a, internal_kpi(), day, value=700)
    codes = list(KPIDefinition.objects.values_list("code", flat=True))
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, codes)) + r")(?![\w-])", re.IGNORECASE)
    host_pages, partner_pages = _pages(world)
    with translation.override(language):
        for user, urls in ((world.manager, host_pages), (world.a_manager, partner_pages)):
            user.language = language
            user.save(update_fields=["language"])
            client = client_as(user)
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200, url
                found = pattern.findall(_visible_text(response.content.decode()))
                assert not found, f"{url} shows KPI codes {found} to {user.username}"
        # The import preview names the KPI a line was matched to, even when the file gave its code.
        header = "partner,kpi,period_start,value,numerator,denominator,sample_size\n"
        content = header + f"{world.partner_a.pk},delivery-time,2026-10-05,20,,,40\n"
        client = client_as(world.manager)
        preview = client.post(reverse("kpis:import"), {"file": SimpleUploadedFile("m.csv", content.encode())})
        table = preview.content.decode()
        table = table[table.index("<table") : table.index("</table>")]
        assert not pattern.findall(_visible_text(table)), table
        assert KPIDefinition.objects.get(code="delivery-time").display_name in table
