"""What every signed-in page pays for its layout before its own content (issue 16).

The floor is `/api/me/` (a signed-in answer with no work of its own). The layout adds one query to
it, the unread badge's, and no more; its top bar is rendered once per person, page kind and
language and then reused (partnerportal.templatetags.portal.navbar), so these tests also check
that the reused top bar is the one a fresh rendering gives: per role, per language, with this
page's entry marked, with the current unread count, name and CSRF token.
"""

import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerportal import hub
from partnerportal.notifications.models import Notification
from tests.notifications.helpers import make

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.layout_urls")]


@pytest.fixture(autouse=True)
def _cold_caches():
    hub.clear_nav_cache()
    yield
    hub.clear_nav_cache()


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries], response.content.decode()


def _nav(html):
    return html[html.index("<nav") : html.index("</nav>") + len("</nav>")]


def _without_tokens(html):
    return re.sub(r'value="[A-Za-z0-9]{32,64}"', 'value="TOKEN"', html)


@pytest.mark.parametrize("who", ["manager", "admin", "a_viewer", "a_manager"])
def test_the_layout_costs_the_floor_and_one_query(world, client_as, who):
    client = client_as(getattr(world, who))
    floor, _ = _queries(client, reverse("api:me"))
    for _round in range(2):  # cold and warm caches: a small constant either way
        layout, html = _queries(client, "/layout-probe/")
        assert len(layout) == len(floor) + 1, layout
        assert "notifications_notification" in layout[-1] and "COUNT(" in layout[-1]
        assert "<nav" in html


def test_the_layout_costs_the_same_in_danish(world, client_as):
    world.a_viewer.language = "da"
    world.a_viewer.save()
    client = client_as(world.a_viewer)
    floor, _ = _queries(client, reverse("api:me"))
    layout, html = _queries(client, "/layout-probe/")
    assert len(layout) == len(floor) + 1
    assert 'lang="da"' in html and "Spring til indhold" in html


def test_a_fragment_rendered_with_the_request_pays_for_no_layout(world, client_as):
    """htmx answers get the portal's context processor too: the menu and the badge stay unasked."""
    client = client_as(world.a_manager)
    floor, _ = _queries(client, reverse("api:me"))
    fragment, html = _queries(client, "/fragment-probe/")
    assert html == '<p id="fragment">/fragment-probe/</p>'
    assert len(fragment) == len(floor), fragment
    assert not any("notifications_notification" in sql for sql in fragment)


def test_a_warm_layout_reverses_no_url(world, client_as):
    client = client_as(world.a_manager)
    client.get("/layout-probe/")  # warms the top bar for this person and page
    with (
        mock.patch("django.urls.reverse", side_effect=AssertionError("{% url %}")) as url_tag,
        mock.patch("partnerportal.hub.reverse", side_effect=AssertionError("nav_menu_for")) as menu,
        mock.patch("partnerportal.templatetags.portal.reverse", side_effect=AssertionError("navbar")) as bar,
    ):
        response = client.get("/layout-probe/")
    assert response.status_code == 200
    assert (url_tag.call_count, menu.call_count, bar.call_count) == (0, 0, 0)


PAGES = ["/layout-probe/", "/relations/cases/", "/meetings/actions/mine/", "/accounts/profile/", "/notifications/"]


def test_the_reused_top_bar_is_the_fresh_one(world, client_as):
    """For each person, language and page, in turns: the top bar with warm caches is the one the
    caches emptied give (so the caches' keys hold everything the markup shows)."""
    seen = {}
    for language in ("en", "da"):
        for who in ("admin", "manager", "a_manager", "a_viewer", "b_viewer"):
            user = getattr(world, who)
            user.language = language
            user.save()
            client = client_as(user)
            for page in PAGES + [reverse("partners:detail", args=[user.organization_id])]:
                warm = _without_tokens(_nav(client.get(page).content.decode()))
                hub.clear_nav_cache()
                cold = _without_tokens(_nav(client.get(page).content.decode()))
                assert warm == cold, (who, language, page)
                seen[(who, language, page)] = warm
    # The roles' menus differ, and so do the languages' and the pages' marks.
    assert seen[("admin", "en", PAGES[0])] != seen[("manager", "en", PAGES[0])]
    assert seen[("manager", "en", PAGES[0])] != seen[("a_manager", "en", PAGES[0])]
    assert seen[("a_manager", "en", PAGES[0])] != seen[("a_manager", "da", PAGES[0])]
    assert seen[("a_manager", "en", PAGES[1])] != seen[("a_manager", "en", PAGES[2])]
    assert len(set(seen.values())) > len(seen) // 2


def test_the_top_bar_differs_per_role(world, client_as):
    pages = {
        who: _nav(client_as(getattr(world, who)).get("/layout-probe/").content.decode())
        for who in ("admin", "manager", "a_viewer")
    }
    assert f'href="{reverse("audit")}"' in pages["admin"]
    assert f'href="{reverse("admin:index")}"' in pages["admin"]
    assert f'href="{reverse("audit")}"' not in pages["manager"]
    assert f'href="{reverse("kpis:portfolio")}"' in pages["manager"]
    assert f'href="{reverse("kpis:portfolio")}"' not in pages["a_viewer"]
    assert f'href="{reverse("partners:list")}"' not in pages["a_viewer"]
    own = reverse("partners:detail", args=[world.partner_a.pk])
    assert f'href="{own}">Alfa Logistik A/S<' in pages["a_viewer"]
    assert f'href="{reverse("kpis:scorecard", kwargs={"partner_pk": world.partner_a.pk})}"' in pages["a_viewer"]
    # The other partner's viewer: the same menu shape, their own partner's links.
    b_page = _nav(client_as(world.b_viewer).get("/layout-probe/").content.decode())
    assert f'href="{reverse("partners:detail", args=[world.partner_b.pk])}">Beta Fragt ApS<' in b_page
    assert str(world.partner_a.pk) not in re.sub(r'value="[^"]*"', "", b_page)


def test_the_top_bar_differs_per_language(world, client_as):
    client = client_as(world.manager)
    english = _nav(client.get("/relations/cases/").content.decode())
    world.manager.language = "da"
    world.manager.save()
    danish = _nav(client.get("/relations/cases/").content.decode())
    assert "> Collaboration</button>" in english and "Samarbejde" not in english
    assert "> Samarbejde</button>" in danish and "Collaboration" not in danish
    assert 'lang="da" selected' in danish and 'lang="en" selected' in english


def test_the_top_bar_marks_this_page(world, client_as):
    client = client_as(world.manager)
    for page in ("/relations/cases/", "/meetings/actions/mine/", "/relations/cases/", "/dashboard/", "/layout-probe/"):
        nav = _nav(client.get(page).content.decode())
        marked = re.findall(r'href="([^"]+)"[^>]*aria-current="page"', nav)
        assert marked == ([] if page == "/layout-probe/" else [page]), (page, marked)
        if page.startswith("/relations/"):
            assert re.search(r'dropdown-toggle active"[^>]*id="nav-relationship"', nav)
        else:
            assert not re.search(r'dropdown-toggle active"[^>]*id="nav-relationship"', nav)
    # A partner's own hub link is marked on the hub only.
    partner = client_as(world.a_viewer)
    own = reverse("partners:detail", args=[world.partner_a.pk])
    assert f'class="nav-link active" href="{own}" aria-current="page"' in _nav(partner.get(own).content.decode())
    assert f'class="nav-link" href="{own}">' in _nav(partner.get("/layout-probe/").content.decode())


def test_the_per_request_parts_stay_per_request(world, client_as):
    client = client_as(world.a_manager)
    first = client.get("/layout-probe/?a=1&b=<x>").content.decode()
    assert 'id="unread-count"' not in first
    assert 'name="next" value="/layout-probe/?a=1&amp;b=%3Cx%3E"' in first
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', _nav(first))
    assert len(tokens) == 2  # log out and the language form

    make(world.a_manager, key="layout:1", subject="One")
    make(world.a_manager, key="layout:2", subject="Two")
    world.a_manager.first_name, world.a_manager.last_name = "Ada", "Lund"
    world.a_manager.save()
    second = client.get("/layout-probe/?a=2").content.decode()
    assert '<span class="badge text-bg-warning" id="unread-count">2</span>' in second
    assert 'name="next" value="/layout-probe/?a=2"' in second
    assert '<span class="user-name">Ada Lund</span>' in second
    world.partner_a.name = "Alfa Logistik & Co"
    world.partner_a.save()
    renamed = client.get("/layout-probe/").content.decode()
    assert ">Alfa Logistik &amp; Co</a>" in renamed and "· Alfa Logistik &amp; Co</span>" in renamed
    assert re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', _nav(second)) != tokens

    Notification.objects.filter(recipient=world.a_manager).update(read_at=timezone.now())
    assert 'id="unread-count"' not in client.get("/layout-probe/").content.decode()


def test_a_new_registration_shows_at_once(world, client_as):
    client = client_as(world.manager)
    assert "nav-probe-icon" not in client.get("/layout-probe/").content.decode()
    hub.nav_item("Probe", "layout_probe", order=999, icon="nav-probe-icon")
    try:
        assert "bi-nav-probe-icon" in client.get("/layout-probe/").content.decode()
    finally:
        del hub._NAV["layout_probe"]
        hub.clear_nav_cache()
    assert "nav-probe-icon" not in client.get("/layout-probe/").content.decode()


def test_the_caches_stay_small(world, client_as):
    with mock.patch.object(hub, "_NAV_CACHE_LIMIT", 3):
        client = client_as(world.manager)
        for page in PAGES:
            assert client.get(page).status_code == 200
            assert len(hub._NAV_HTML) <= 3 and len(hub._NAV_LAYOUTS) <= 3
