"""The searchable partner picker (issue 16): the endpoint, what a list makes of the picker's fields with
and without JavaScript, and pages whose cost no longer grows with the number of partners."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import OrganizationFactory
from tests.meetings.helpers import action_for

pytestmark = pytest.mark.django_db

PICKER = "/partners/picker/"
ACTIONS = "/meetings/actions/"


def _names(response):
    assert response.status_code == 200
    return [r["name"] for r in response.json()["results"]]


def test_the_picker_finds_names_containing_the_text_those_starting_with_it_first(world):
    OrganizationFactory(name="Fragtmand Nord ApS")
    OrganizationFactory(name="Gamle Fragt A/S", is_active=False)
    host = client_for(world.manager)
    assert _names(host.get(PICKER, {"q": "fragt"})) == ["Fragtmand Nord ApS", "Beta Fragt ApS", "Gamle Fragt A/S"]
    inactive = host.get(PICKER, {"q": "Gamle"}).json()["results"]
    assert inactive == [{"id": inactive[0]["id"], "name": "Gamle Fragt A/S", "inactive": True}]
    assert "Nordlager" not in str(_names(host.get(PICKER, {"q": "Nord"})))  # the host is not a partner
    assert _names(host.get(PICKER, {"q": "zzz"})) == []


def test_the_picker_answers_at_most_twenty_and_says_there_are_more(world):
    for i in range(25):
        OrganizationFactory(name=f"Transport {i:02d} ApS")
    data = client_for(world.manager).get(PICKER, {"q": "Transport"}).json()
    assert len(data["results"]) == 20 and data["more"] is True
    assert data["results"][0]["name"] == "Transport 00 ApS"
    assert client_for(world.manager).get(PICKER, {"q": "Transport 2"}).json()["more"] is False


@pytest.mark.parametrize("role", ["partner_manager", "partner_viewer"])
def test_a_partner_user_finds_only_their_own_organisation(world, role):
    client = client_for(world.user(role))
    assert _names(client.get(PICKER, {"q": "a"})) == ["Alfa Logistik A/S"]
    assert _names(client.get(PICKER, {"q": "Beta"})) == []
    assert _names(client.get(PICKER)) == ["Alfa Logistik A/S"]


def test_the_picker_needs_a_login(world):
    response = client_for(None).get(PICKER, {"q": "a"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- what a list makes of the picker's two fields ------------------------------------------------------


@pytest.fixture
def actions(world):
    action_for(world, world.partner_a)
    action_for(world, world.partner_b)
    return world


def _shown(response):
    body = response.content.decode()
    table = body[body.index('id="action-table"') :]
    return {name for name in ("Action of Alfa Logistik A/S", "Action of Beta Fragt ApS") if name in table}


def _box(response):
    body = response.content.decode()
    start = body.index('role="combobox"')
    box = body[body.rindex("<input", 0, start) : body.index("</div>", start)]
    return box


def test_without_javascript_a_typed_name_filters_the_list(actions):
    host = client_for(actions.manager)
    response = host.get(ACTIONS, {"partner_name": "beta", "partner": ""})
    assert _shown(response) == {"Action of Beta Fragt ApS"}
    box = _box(response)
    assert 'value="Beta Fragt ApS"' in box and f'name="partner" value="{actions.partner_b.pk}"' in box


def test_a_picked_partner_stays_chosen_and_a_changed_text_is_resolved_again(actions):
    host = client_for(actions.manager)
    picked = host.get(ACTIONS, {"partner": actions.partner_a.pk, "partner_name": "Alfa Logistik A/S"})
    assert _shown(picked) == {"Action of Alfa Logistik A/S"}
    assert f'name="partner" value="{actions.partner_a.pk}"' in _box(picked)
    # The box now says Beta, the hidden id still Alfa (no script to clear it): the text wins.
    changed = host.get(ACTIONS, {"partner": actions.partner_a.pk, "partner_name": "Beta Fragt"})
    assert _shown(changed) == {"Action of Beta Fragt ApS"}
    # An emptied box is every partner.
    cleared = host.get(ACTIONS, {"partner": actions.partner_a.pk, "partner_name": ""})
    assert _shown(cleared) == {"Action of Alfa Logistik A/S", "Action of Beta Fragt ApS"}
    assert 'id="partner-matches"' not in cleared.content.decode()


def test_several_or_no_matches_leave_the_list_unfiltered_and_say_so(actions):
    host = client_for(actions.manager)
    several = host.get(ACTIONS, {"partner_name": "a", "partner": "", "state": "all"})
    assert _shown(several) == {"Action of Alfa Logistik A/S", "Action of Beta Fragt ApS"}
    body = several.content.decode()
    notice = body[body.index('id="partner-matches"') :]
    notice = notice[: notice.index("</div>")]
    assert "Several partners match “a”" in notice
    assert f'href="?state=all&amp;partner={actions.partner_b.pk}"' in notice
    none = host.get(ACTIONS, {"partner_name": "Gamma", "partner": ""}).content.decode()
    assert "No partner matches “Gamma”; showing all partners." in none


def test_a_partner_user_never_reaches_another_partner_through_the_picker(actions):
    client = client_for(actions.a_manager)
    by_name = client.get(ACTIONS, {"partner_name": "Beta Fragt ApS", "partner": ""})
    assert _shown(by_name) == {"Action of Alfa Logistik A/S"}
    assert "No partner matches “Beta Fragt ApS”" in by_name.content.decode()
    by_id = client.get(ACTIONS, {"partner_name": "Beta Fragt ApS", "partner": actions.partner_b.pk})
    assert by_id.status_code == 404


def test_the_selected_partner_is_shown_after_filtering_on_every_picker_page(actions):
    host = client_for(actions.manager)
    for url in (ACTIONS, "/meetings/", reverse("relations:success_list")):
        body = host.get(url, {"partner": actions.partner_b.pk}).content.decode()
        start = body.index('role="combobox"')
        box = body[body.rindex("<input", 0, start) : body.index("</div>", start)]
        assert 'value="Beta Fragt ApS"' in box, url
        assert f'name="partner" value="{actions.partner_b.pk}"' in box, url
        assert '<select name="partner"' not in body and "<option" not in box


def test_the_kpi_template_takes_the_picker_with_or_without_javascript(world, client_as):
    from tests.kpis.helpers import setup_partner

    setup_partner(world.partner_a)
    client = client_as(world.manager)
    page = client.get(reverse("kpis:import")).content.decode()
    form = page[page.index('id="template-form"') :]
    form = form[: form.index("</form>")]
    assert 'role="combobox"' in form and 'id="template-partner"' in form and "<option" not in form
    url = reverse("kpis:import_template")
    typed = client.get(url, {"partner_name": "alfa", "partner": "", "format": "csv"})
    assert typed.status_code == 200
    assert typed["Content-Disposition"] == f'attachment; filename="import-template-{world.partner_a.pk}.csv"'
    picked = client.get(url, {"partner_name": "Alfa Logistik A/S", "partner": world.partner_a.pk, "format": "csv"})
    assert picked.status_code == 200
    unclear = client.get(url, {"partner_name": "a", "partner": "", "format": "csv"}, follow=True)
    assert unclear.redirect_chain[-1][0] == reverse("kpis:import")
    assert "Choose the partner whose template you want." in unclear.content.decode()


# --- pages with a picker cost the same with 2 or 40 partners ----------------------------------------------

PAGES = ("meetings:action_list", "meetings:meeting_list", "kpis:import", "relations:success_list")


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries), response.content.decode()


def test_pages_with_a_picker_do_not_load_every_partner(world):
    client = client_for(world.manager)
    urls = [reverse(name) for name in PAGES]
    before = {url: _queries(client, url)[0] for url in urls}
    for i in range(40):
        OrganizationFactory(name=f"Many partners {i:02d} ApS")
    for url in urls:
        count, body = _queries(client, url)
        assert count == before[url], url
        assert "Many partners" not in body, url  # no drop-down of every partner
