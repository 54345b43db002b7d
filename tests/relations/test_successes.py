"""The successes list (issue #14): the kudos people wrote come first; the automatic "best month so far"
records are one line per partner and KPI ("×5, latest October 2026") that opens to the months; the list
filters by partner with a select and a button, and an unknown or foreign partner answers 404."""

import re
from datetime import date

import pytest
from django.urls import reverse

from relations import services
from tests.partners.hub import hub_page

pytestmark = pytest.mark.django_db

kpis = pytest.importorskip("kpis.models")


def _records(partner, code, months, kind="record"):
    assignment, _ = kpis.PartnerKPI.objects.get_or_create(
        partner=partner, kpi=kpis.KPIDefinition.objects.get(code=code), defaults={"shared": True}
    )
    for i, month in enumerate(months):
        kpis.Success.objects.create(
            partner=partner,
            kpi=assignment.kpi,
            partner_kpi=assignment,
            kind=kind,
            period_start=month,
            value=20 - i,
            text=f"{code} {month:%Y-%m}",
        )
    return assignment


MONTHS = [date(2026, m, 1) for m in (6, 7, 8, 9, 10)]


@pytest.fixture
def successes(world):
    delivery = _records(world.partner_a, "delivery-time", MONTHS)
    _records(world.partner_a, "error-rate", [date(2026, 10, 1)])
    _records(world.partner_b, "delivery-time", MONTHS[:2])
    services.kudos_give(
        user=world.manager, partner=world.partner_a, title="Thank you for the Christmas rush", message=""
    )
    services.kudos_give(user=world.manager, partner=world.partner_b, title="Beta's tidy loading dock", message="")
    return delivery


def _section(html, section_id):
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_kudos_come_first_and_records_are_one_line_per_partner_and_kpi(world, client_as, successes):
    world.manager.language = "en"
    world.manager.save()
    html = client_as(world.manager).get(reverse("relations:success_list")).content.decode()
    assert html.index('id="kudos"') < html.index('id="detected"')
    kudos = _section(html, "kudos")
    assert "Thank you for the Christmas rush" in kudos and "Beta&#x27;s tidy loading dock" in kudos
    detected = _section(html, "detected")
    lines = re.findall(r'<li class="mb-2 success-kpi">(.*?)</li>\s*(?=<li class="mb-2|</ul>\s*$)', detected, re.S)
    assert detected.count('class="mb-2 success-kpi"') == 3  # A delivery time, A error rate, B delivery time
    texts = [" ".join(re.sub(r"<[^>]+>", " ", line).split()) for line in lines]
    (delivery_a,) = [t for t in texts if t.startswith("Delivery time · Alfa")]
    assert "Best month so far ×5, latest October 2026" in delivery_a
    assert reverse("kpis:chart", args=[successes.pk]) in detected
    assert "Show the 5 months" in detected and "June 2026" in detected  # the records, on demand
    assert "Best month so far: October 2026" in detected  # a single record needs no count


def test_grouped_in_danish(world, client_as, successes):
    world.manager.language = "da"
    world.manager.save()
    html = client_as(world.manager).get(reverse("relations:success_list")).content.decode()
    assert "Bedste måned til dato ×5, senest oktober 2026" in html


def test_filter_by_partner_with_the_picker_and_a_button(world, client_as, successes):
    client = client_as(world.manager)
    html = client.get(reverse("relations:success_list")).content.decode()
    form = html[html.index('id="success-filter"') : html.index("</form>", html.index('id="success-filter"'))]
    assert 'name="partner"' in form and 'type="submit"' in form and "onchange" not in form
    assert 'role="combobox"' in form and "<option" not in form  # the searchable picker, not every partner
    only_b = client.get(reverse("relations:success_list"), {"partner": world.partner_b.pk}).content.decode()
    assert "Beta&#x27;s tidy loading dock" in only_b and "Christmas rush" not in only_b
    assert "Alfa Logistik" not in _section(only_b, "detected")
    assert f'name="partner" value="{world.partner_b.pk}"' in only_b and 'value="Beta Fragt ApS"' in only_b
    typed = client.get(reverse("relations:success_list"), {"partner_name": "beta", "partner": ""}).content.decode()
    assert "Beta&#x27;s tidy loading dock" in typed and "Christmas rush" not in typed
    for unknown in ("999999", "abc"):
        assert client.get(reverse("relations:success_list"), {"partner": unknown}).status_code == 404


def test_a_partner_sees_only_their_own_and_the_other_partner_is_404(world, client_as, successes):
    client = client_as(world.a_manager)
    html = client.get(reverse("relations:success_list")).content.decode()
    assert "Christmas rush" in html and "Beta" not in html
    assert 'id="success-filter"' not in html  # nothing to choose between
    assert client.get(reverse("relations:success_list"), {"partner": world.partner_b.pk}).status_code == 404


def test_dashboard_and_hub_keep_the_kudos_in_view(world, client_as, successes):
    for month in range(1, 6):  # a year of records, as the demo has
        _records(world.partner_a, "inventory-turnover", [date(2026, month, 1)])
    hub = hub_page(client_as(world.manager), world.partner_a)  # the successes section loads lazily
    assert "Thank you for the Christmas rush" in hub
    assert hub.count("success-kpi") <= 5


def _detected_rows_orm(found, limit):
    """The groups and records as the ORM reads them (the two queries the plain SQL replaced)."""
    from django.db.models import Count, F, Max, Q, Window
    from django.db.models.functions import RowNumber

    from relations.selectors.kudos import RECORDS_SHOWN

    heads = list(
        found.order_by()
        .values("partner_id", "kpi_id", "kind")
        .annotate(count=Count("id"), latest=Max("period_start"), noticed=Max("detected_at"))
        .order_by("-latest", "-noticed", "partner_id", "kpi_id", "kind")[:limit]
    )
    if not heads:
        return [], {}
    wanted = Q()
    for head in heads:
        wanted |= Q(partner_id=head["partner_id"], kpi_id=head["kpi_id"], kind=head["kind"])
    newest_first = [F("period_start").desc(), F("detected_at").desc()]
    records = (
        found.filter(wanted)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("partner_id"), F("kpi_id"), F("kind")], order_by=newest_first)
        )
        .filter(rank__lte=RECORDS_SHOWN)
    )
    by_group: dict[tuple, list] = {}
    for item in records:
        by_group.setdefault((item.partner_id, item.kpi_id, item.kind), []).append(item)
    return heads, by_group


def test_detected_groups_in_plain_sql_equal_the_orms(world, successes):
    """The dashboard's and the hub's groups are read in one plain SQL query (the ORM built its two
    slower than they ran): the same groups and records as the ORM's queries, for host staff and for a
    partner (own partner's shared KPIs only), by partner, since and limit."""
    from kpis import selectors as kpi_selectors
    from relations.selectors import kudos

    hidden = _records(world.partner_a, "error-rate", [date(2026, 9, 1)], kind="streak")
    hidden.shared = False
    hidden.save()

    def rows(heads, by_group):
        return [(h["partner_id"], h["kpi_id"], h["kind"], h["count"], h["latest"]) for h in heads], {
            key: [(i.pk, i.partner, i.kpi, i.title, i.value, i.get_absolute_url()) for i in items]
            for key, items in by_group.items()
        }

    checked = 0
    for user in (world.manager, world.admin, world.a_manager, world.a_viewer, world.b_manager):
        for partner in (None, world.partner_a, world.partner_b):
            for since in (None, date(2026, 8, 1)):
                for limit in (1, 2, 20):
                    found = kpi_selectors.successes_for(user=user, partner=partner, since=since)
                    expected = rows(*_detected_rows_orm(found, limit))
                    got = rows(*kudos._detected_rows(user=user, partner=partner, since=since, limit=limit))
                    assert got == expected, (user, partner, since, limit)
                    checked += bool(expected[0])
    assert checked > 30
    host_keys = rows(*kudos._detected_rows(user=world.manager, partner=None, since=None, limit=20))[1]
    assert (world.partner_a.pk, hidden.kpi_id, "streak") in host_keys
    partner_keys = rows(*kudos._detected_rows(user=world.a_manager, partner=None, since=None, limit=20))[1]
    assert (world.partner_a.pk, hidden.kpi_id, "streak") not in partner_keys
    assert {key[0] for key in partner_keys} == {world.partner_a.pk}
