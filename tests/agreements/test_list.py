"""The host's agreements list (issue 16): filtered and paged in SQL, the same rows as the Python filter
it replaced, a constant number of queries whatever the number of partners."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements import services
from agreements.models import AgreementVersion, VersionStatus
from agreements.views.agreements import AgreementListView
from partners.models import Organization
from tests.agreements import helpers
from tests.factories import OrganizationFactory, UserFactory

STATUSES = ("", "none", "pending", "draft", "active", "bogus")


def _partner(name, **kwargs):
    partner = OrganizationFactory(name=name, kind="carrier", **kwargs)
    UserFactory(username=re.sub(r"\W", "", name.lower()), organization=partner, role="partner_manager")
    return partner


@pytest.fixture
def states(world):
    """One partner in every state an agreement can be in (world's partner A and B included)."""
    helpers.active(world, world.partner_a)  # active
    helpers.revision(world, world.partner_b)  # active + sent revision
    services.agreement_create(partner=_partner("Gamma Draft ApS"), user=world.admin, title="Gamma")  # first draft
    helpers.in_review(world, _partner("Delta Review ApS"))  # first version sent
    helpers.revision(world, _partner("Epsilon Redraft ApS"), send=False)  # active + draft revision
    terminated = helpers.active(world, _partner("Zeta Ended ApS"))
    services.version_terminate(version=terminated, user=world.admin, reason="Closed the site.")
    helpers.active(world, _partner("Eta Inactive ApS", is_active=False))  # never listed
    _partner("Theta Nothing ApS")  # no agreement
    superseded = _partner("Iota Superseded ApS")
    helpers.revision(world, superseded)
    services.version_sign(version=superseded.agreements.get().versions.get(number=2), user=world.admin)
    services.version_sign(
        version=superseded.agreements.get().versions.get(number=2), user=helpers.partner_manager(world, superseded)
    )
    return world


def _old_rows(*, search="", status=""):
    """What the list showed before issue 16 (the Python filter over every partner), as partner names."""
    names = []
    for partner in Organization.objects.partners().filter(is_active=True).order_by("name"):
        if search and search.lower() not in partner.name.lower():
            continue
        agreement = partner.agreements.first()
        versions = list(AgreementVersion.objects.filter(agreement=agreement).order_by("-number")) if agreement else []
        active = next((v for v in versions if v.status == VersionStatus.ACTIVE), None)
        open_ = next((v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)), None)
        if status == "none" and agreement is not None and active is not None:
            continue
        if status == "pending" and (open_ is None or open_.status != VersionStatus.IN_REVIEW):
            continue
        if status == "draft" and (open_ is None or open_.status != VersionStatus.DRAFT):
            continue
        if status == "active" and active is None:
            continue
        names.append(partner.name)
    return names


def _listed(response):
    body = response.content.decode()
    table = body[body.index('id="agreement-table"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<td><a href="/partners/\d+/">([^<]+)</a>', table)


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_filter_lists_what_the_old_python_filter_listed(states, client_as, status):
    response = client_as(states.manager).get(reverse("agreements:list"), {"status": status})
    assert response.status_code == 200
    expected = _old_rows(status=status if status != "bogus" else "")
    assert _listed(response) == expected
    assert expected, "the fixture has a partner in every state"


def test_the_fixture_covers_every_state(states):
    assert _old_rows(status="none") == ["Delta Review ApS", "Gamma Draft ApS", "Theta Nothing ApS", "Zeta Ended ApS"]
    assert _old_rows(status="pending") == ["Beta Fragt ApS", "Delta Review ApS"]
    assert _old_rows(status="draft") == ["Epsilon Redraft ApS", "Gamma Draft ApS"]
    assert _old_rows(status="active") == [
        "Alfa Logistik A/S",
        "Beta Fragt ApS",
        "Epsilon Redraft ApS",
        "Iota Superseded ApS",
    ]


def test_search_and_status_together(states, client_as):
    client = client_as(states.manager)
    response = client.get(reverse("agreements:list"), {"q": "ta", "status": "none"})
    expected = ["Delta Review ApS", "Theta Nothing ApS", "Zeta Ended ApS"]
    assert _listed(response) == _old_rows(search="ta", status="none") == expected
    assert _listed(client.get(reverse("agreements:list"), {"q": "zzz"})) == []


def test_the_rows_show_the_active_and_open_versions_with_signatures(states, client_as):
    body = client_as(states.manager).get(reverse("agreements:list"), {"q": "Beta"}).content.decode()
    agreement = states.partner_b.agreements.get()
    active = agreement.versions.get(status=VersionStatus.ACTIVE)
    sent = agreement.versions.get(status=VersionStatus.IN_REVIEW)
    assert f'href="{agreement.get_absolute_url()}"' in body
    assert f'href="{active.get_absolute_url()}">Version 1</a>' in body
    assert f'href="{sent.get_absolute_url()}">Version 2</a>' in body
    body = client_as(states.manager).get(reverse("agreements:list"), {"q": "Theta"}).content.decode()
    assert reverse("agreements:create", args=[Organization.objects.get(name="Theta Nothing ApS").pk]) in body


def _many_partners(world, count, start=0):
    for i in range(start, start + count):
        partner = _partner(f"Many {i:03d} ApS")
        if i % 2:
            helpers.revision(world, partner)
        else:
            services.agreement_create(partner=partner, user=world.admin, title=f"Many {i}")


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(AgreementListView, "paginate_by", 5)


def test_the_query_count_does_not_grow_with_the_partners(world, client_as, small_pages):
    client = client_as(world.manager)
    url = reverse("agreements:list")
    _many_partners(world, 2)
    counts = {}
    for status in ("", "pending"):
        with CaptureQueriesContext(connection) as few:
            assert client.get(url, {"status": status}).status_code == 200
        counts[status] = len(few.captured_queries)
    _many_partners(world, 16, start=2)
    for status in ("", "pending"):
        with CaptureQueriesContext(connection) as many:
            response = client.get(url, {"status": status})
        assert len(many.captured_queries) == counts[status], status
        assert len(_listed(response)) == 5  # a page, not every partner


def test_pages_keep_the_filters(world, client_as, small_pages):
    _many_partners(world, 16)
    client = client_as(world.manager)
    url = reverse("agreements:list")
    first = client.get(url, {"q": "Many", "status": "pending"})
    expected = _old_rows(search="Many", status="pending")
    assert len(expected) == 8
    assert _listed(first) == expected[:5]
    body = first.content.decode()
    assert "Page 1 of 2" in body
    link = re.search(r'href="\?([^"]+)">Next', body).group(1).replace("&amp;", "&")
    assert "q=Many" in link and "status=pending" in link and link.count("page=") == 1
    second = client.get(f"{url}?{link}")
    assert _listed(second) == expected[5:]
    assert 'value="Many"' in second.content.decode()
    assert 'value="pending" selected' in second.content.decode()


def test_htmx_answers_the_rows_only(world, client_as):
    _many_partners(world, 3)
    response = client_as(world.manager).get(reverse("agreements:list"), {"q": "Many 001"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and _listed(response) == ["Many 001 ApS"]
    assert "1 partner found." in response["HX-Trigger-After-Settle"]


def test_a_page_past_the_end_shows_the_last_page_and_a_bad_number_the_first(world, client_as, small_pages):
    _many_partners(world, 8)  # with partner A and B: 10 partners, 2 pages of 5
    client = client_as(world.manager)
    url = reverse("agreements:list")
    expected = _old_rows()
    assert _listed(client.get(url, {"page": "99"})) == expected[5:]
    assert "Page 2 of 2" in client.get(url, {"page": "99"}).content.decode()
    assert _listed(client.get(url, {"page": "abc"})) == expected[:5]
    assert _listed(client.get(url, {"q": "nobody"})) == []
