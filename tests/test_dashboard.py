"""The host dashboard (partnerportal/dashboard.py): bounded panels whose cost does not grow with partners or rows.

The KPI panel's figures are tested against the portfolio in tests/kpis/test_dashboard_overview.py.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from agreements import selectors as agreement_selectors
from agreements import services as agreement_services
from meetings import hub as meetings_hub
from partnerportal import dashboard_cache
from partnerportal.notifications.models import NotificationStatus
from relations import health
from relations import services as relations_services
from relations.models import HealthSnapshot
from tests.agreements import helpers as agreements
from tests.factories import OrganizationFactory
from tests.kpis.helpers import measure, setup_partner
from tests.meetings.helpers import action_for, meeting_for
from tests.notifications.helpers import make, make_many

pytestmark = pytest.mark.django_db


def _panel(response, key):
    return next(ctx for panel, ctx in response.context["panels"] if panel.key == key)


def _partners(world, first, n):
    """n partners, each with KPI data, an open action (every other one overdue) and a failed e-mail."""
    today = date.today()
    for i in range(first, first + n):
        partner = OrganizationFactory(name=f"Dashboard partner {i:03d}")
        setup_partner(partner)
        measure(partner, "error-rate", date(2025, 3, 4), numerator=i, denominator=1000)
        due = today - timedelta(days=1) if i % 2 else today + timedelta(days=10)
        action_for(world, partner, owner=world.manager, due=due)
        make(world.a_manager, key=f"dash:{i}", status=NotificationStatus.FAILED)


def test_action_panel_lists_the_partners_with_most_overdue_first_and_counts_all(world, client_as):
    today = date.today()
    for i in range(meetings_hub.DASHBOARD_PARTNERS + 2):
        partner = OrganizationFactory(name=f"Action partner {i:02d}")
        for _ in range(1 + i % 3):  # 1, 2 or 3 open items
            action_for(world, partner, owner=world.manager, due=today + timedelta(days=5))
    late = OrganizationFactory(name="Zulu Late ApS")  # last by name, first by overdue
    action_for(world, late, owner=world.manager, due=today - timedelta(days=3))
    response = client_as(world.manager).get(reverse("dashboard"))
    actions = _panel(response, "meetings")["actions"]
    rows = actions["rows"]
    assert len(rows) == meetings_hub.DASHBOARD_PARTNERS
    assert (rows[0]["partner__name"], rows[0]["open"], rows[0]["overdue"]) == ("Zulu Late ApS", 1, 1)
    assert [r["open"] for r in rows[1:5]] == [3, 3, 3, 3]  # then the most open items
    # 12 partners with 1, 2, 3, 1, 2, 3, … items (24 in all) and the late one.
    assert (actions["open"], actions["overdue"], actions["partners"]) == (25, 1, 13)
    html = response.content.decode()
    assert "25 open, 1 overdue, at 13 partners" in html
    assert f'<a href="{reverse("meetings:action_list")}">All open actions</a>' in html


def test_action_panel_in_danish(world, client_as):
    action_for(world, world.partner_a, owner=world.manager, due=date.today() - timedelta(days=1))
    meeting_for(world, world.partner_b, days=3)
    world.manager.language = "da"
    world.manager.save(update_fields=["language"])
    html = client_as(world.manager).get(reverse("dashboard")).content.decode()
    assert "Åbne handlinger pr. partner" in html
    assert "1 åbne, 1 overskredne, hos 1 partner" in html
    assert "Kommende møder" in html and world.partner_b.name in html
    assert "All open actions" not in html and "Alle åbne handlinger" not in html  # every partner is listed


def test_outbox_panel_counts_only_what_is_due_failed_or_sent_today(world, client_as):
    now = timezone.now()
    a = world.a_manager
    make(a, key="failed", status=NotificationStatus.FAILED)
    make(a, key="due", status=NotificationStatus.PENDING)
    make(a, key="later", status=NotificationStatus.PENDING, send_at=now + timedelta(hours=2))
    make(a, key="retry", status=NotificationStatus.PENDING, attempts=2, send_at=now + timedelta(minutes=5))
    make(a, key="sent", status=NotificationStatus.SENT, sent_at=now - timedelta(hours=3))
    make_many(a, 5, prefix="old", status=NotificationStatus.SENT, sent_at=now - timedelta(days=2))
    make(a, key="withdrawn", status=NotificationStatus.WITHDRAWN)
    panel = _panel(client_as(world.admin).get(reverse("dashboard")), "notifications_outbox")
    assert (panel["failed"], panel["waiting"], panel["retrying"], panel["sent_today"]) == (1, 1, 1, 1)
    assert [n.key for n in panel["failed_rows"]] == ["failed"]


# Session and user 2; KPIs 1; relations' health and successes panels 4; agreements 1; open actions 1;
# upcoming meetings 1; the top bar's unread count 1; for an admin, the outbox 2.
DASHBOARD_QUERIES = {"manager": 11, "admin": 13}
# With the panels' figures in the cache: session and user 2, the unread count 1; the outbox 2 (not cached).
WARM_QUERIES = {"manager": 3, "admin": 5}


# The numbers are PostgreSQL's (SQLite reads the KPI panel and the agreement lists in parts).
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query counts")
@pytest.mark.postgres
@pytest.mark.parametrize("who", ["manager", "admin"])
def test_dashboard_queries_do_not_grow_with_partners_or_rows(world, client_as, who, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0  # every panel computes its figures: the cold page
    _partners(world, 0, 2)
    user = world.user(who)
    client = client_as(user)
    client.get(reverse("dashboard"))  # warm-up
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("dashboard")).status_code == 200
    _partners(world, 2, 14)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("dashboard"))
    assert sum(_panel(response, "kpis")["overview"].counts.values()) == 16 * 1
    assert _panel(response, "meetings")["actions"]["partners"] == 16
    assert len(response.context["panels"]) >= 5
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"][:80] for q in many.captured_queries]
    assert len(many.captured_queries) <= DASHBOARD_QUERIES[who]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query counts")
@pytest.mark.postgres
@pytest.mark.parametrize("who", ["manager", "admin"])
def test_dashboard_from_the_cache_reads_no_panel_data_whatever_the_partners(world, client_as, who):
    _partners(world, 0, 2)
    client = client_as(world.user(who))
    client.get(reverse("dashboard"))  # computes and keeps the panels' figures
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("dashboard")).status_code == 200
    _partners(world, 2, 14)  # new partners and rows: every panel is computed again, once
    agreements.in_review(world, world.partner_a)  # every panel has rows to show
    meeting_for(world, world.partner_b, days=3)
    relations_services.kudos_give(user=world.manager, partner=world.partner_b, title="Great quarter")
    HealthSnapshot.objects.create(partner=world.partner_b, month=health.month_start(date.today()), score=3)
    cold = client.get(reverse("dashboard"))
    assert "Great quarter" in _panels_html(cold) and world.partner_a.name in _panels_html(cold)
    assert _panel(cold, "meetings")["actions"]["partners"] == 16
    with CaptureQueriesContext(connection) as many:
        warm = client.get(reverse("dashboard"))
    assert len(many.captured_queries) == len(few.captured_queries) == WARM_QUERIES[who], [
        q["sql"][:80] for q in many.captured_queries
    ]
    assert _panels_html(warm) == _panels_html(cold)


def _panels_html(response):
    html = response.content.decode()
    return html[html.index('<div class="row g-3">') : html.index("</main>")]


def _action_totals(client):
    return _panel(client.get(reverse("dashboard")), "meetings")["actions"]["open"]


def test_cached_panels_show_a_change_at_the_next_request(world, client_as):
    """Each cached panel: a save or delete of what it shows is there at the next request."""
    client = client_as(world.manager)
    setup_partner(world.partner_a)
    measure(world.partner_a, "error-rate", date(2025, 3, 4), numerator=5, denominator=1000)
    response = client.get(reverse("dashboard"))
    assert sum(_panel(response, "kpis")["overview"].counts.values()) == 1
    assert _action_totals(client) == 0
    # KPIs: new figures in a later month move the panel to that month.
    measure(world.partner_a, "error-rate", date(2025, 4, 2), numerator=5, denominator=1000)
    assert _panel(client.get(reverse("dashboard")), "kpis")["overview"].start == date(2025, 4, 1)
    # Actions: a new one, then its deletion.
    item = action_for(world, world.partner_a, owner=world.manager, due=date.today() - timedelta(days=1))
    assert _action_totals(client) == 1
    item.delete()
    assert _action_totals(client) == 0
    # Meetings.
    meeting = meeting_for(world, world.partner_b, days=3)
    assert [m["url"] for m in _panel(client.get(reverse("dashboard")), "meetings")["upcoming"]] == [
        meeting.get_absolute_url()
    ]
    # Health: a new snapshot.
    HealthSnapshot.objects.create(partner=world.partner_b, month=health.month_start(date.today()), score=3)
    rows = _panel(client.get(reverse("dashboard")), "health")["rows"]
    assert (rows[0]["partner"].name, rows[0]["score"]) == (world.partner_b.name, 3)
    # Successes: new kudos.
    relations_services.kudos_give(user=world.manager, partner=world.partner_b, title="Great quarter")
    assert "Great quarter" in client.get(reverse("dashboard")).content.decode()
    # Agreements: a version sent for signature awaits the admin's.
    admin = client_as(world.admin)
    assert _panel(admin.get(reverse("dashboard")), "agreements")["pending"] == []
    version = agreements.in_review(world, world.partner_a)
    assert [v.pk for v in _panel(admin.get(reverse("dashboard")), "agreements")["pending"]] == [version.pk]
    # A renamed partner shows its new name.
    world.partner_b.name = "Renamed Partner ApS"
    world.partner_b.save()
    assert "Renamed Partner ApS" in client.get(reverse("dashboard")).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query counts")
@pytest.mark.postgres
def test_a_correction_of_an_older_month_keeps_the_kpi_panel(world, client_as):
    setup_partner(world.partner_a)
    measure(world.partner_a, "error-rate", date(2025, 3, 4), numerator=5, denominator=1000)
    client = client_as(world.manager)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as warm:
        client.get(reverse("dashboard"))
    measure(world.partner_a, "error-rate", date(2025, 1, 9), numerator=5, denominator=1000)  # before March
    with CaptureQueriesContext(connection) as after_old:
        client.get(reverse("dashboard"))
    assert len(after_old.captured_queries) == len(warm.captured_queries)
    measure(world.partner_a, "error-rate", date(2025, 3, 5), numerator=900, denominator=1000)  # March itself
    with CaptureQueriesContext(connection) as after_shown:
        response = client.get(reverse("dashboard"))
    assert len(after_shown.captured_queries) == len(warm.captured_queries) + 1  # the KPI panel's statement
    assert _panel(response, "kpis")["overview"].counts["critical"] == 1


def test_each_person_has_their_own_figures(world, client_as):
    """The cache is kept per person (and role): what awaits the admin's signature is not the manager's."""
    version = agreements.in_review(world, world.partner_a)
    admin = _panel(client_as(world.admin).get(reverse("dashboard")), "agreements")
    assert [v.pk for v in admin["pending"]] == [version.pk]
    manager = _panel(client_as(world.manager).get(reverse("dashboard")), "agreements")
    assert [v.pk for v in manager["pending"]] == [v.pk for v in agreement_selectors.pending_for(user=world.manager)]


def test_the_upcoming_meetings_are_kept_until_the_first_one_ends(world):
    from meetings.hub import _until_first_end

    end = timezone.now() + timedelta(minutes=2)
    assert 110 < _until_first_end(({}, [{"end": end}, {"end": end + timedelta(hours=1)}])) <= 120
    assert _until_first_end(({}, [])) is None


def test_the_panel_cache_can_be_turned_off(world, client_as, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = client_as(world.manager)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("dashboard"))
    assert len(queries.captured_queries) > WARM_QUERIES["manager"]


def test_agreements_panel_lists_signatures_and_reviews_from_one_query(world, client_as):
    pending = agreements.revision(world, world.partner_a)  # version 2 sent, nobody signed yet
    v1 = pending.agreement.versions.get(number=1)  # active, its review a year ahead
    awaiting = agreements.in_review(world, world.partner_b)
    agreement_services.version_sign(version=awaiting, user=world.admin)  # the host signed: the partner's turn
    response = client_as(world.admin).get(reverse("dashboard"))
    panel = _panel(response, "agreements")
    assert [v.pk for v in panel["pending"]] == [pending.pk]
    assert [v.pk for v in panel["awaiting_partner"]] == [awaiting.pk]
    assert panel["reviews"] == []
    html = response.content.decode()
    assert pending.get_absolute_url() in html and awaiting.get_absolute_url() in html
    seven_weeks_before = v1.review_date - timedelta(weeks=7)
    with CaptureQueriesContext(connection) as queries:
        lists = agreement_selectors.dashboard_versions(user=world.admin, today=seven_weeks_before)
        assert [v.pk for v in lists["reviews"]] == [v1.pk]
        assert [v.agreement.partner.name for v in lists["awaiting_partner"]] == [world.partner_b.name]
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 3)  # SQLite: no LIMIT in UNION
    assert agreement_selectors.dashboard_versions(user=world.admin, today=seven_weeks_before, limit=0) == {
        "pending": [],
        "awaiting_partner": [],
        "reviews": [],
    }


def test_figures_computed_before_the_commit_are_not_kept(world, django_capture_on_commit_callbacks):
    """A reader who computed the figures between the write and its commit (from the old data) does not
    keep them: the panel gets a new generation again at the commit."""
    key = "meetings"
    with django_capture_on_commit_callbacks(execute=True):
        dashboard_cache.invalidate(key)
        assert dashboard_cache.cached(key, world.manager, lambda: "before the commit") == "before the commit"
        assert dashboard_cache.cached(key, world.manager, lambda: "again") == "before the commit"  # kept
    assert dashboard_cache.cached(key, world.manager, lambda: "after the commit") == "after the commit"


def test_figures_are_kept_per_language(world):
    """A panel's rows may hold text made in Python (the successes' labels): each language keeps its own."""
    with translation.override("en"):
        assert dashboard_cache.cached("successes", world.manager, lambda: "English") == "English"
    with translation.override("da"):
        assert dashboard_cache.cached("successes", world.manager, lambda: "Dansk") == "Dansk"
    with translation.override("en"):
        assert dashboard_cache.cached("successes", world.manager, lambda: "again") == "English"
