"""`manage.py seed_demo` is idempotent across every app: the second run changes nothing."""

import io
import re
from datetime import UTC, date, datetime, timedelta

from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from kpis.selectors import portfolio, scorecard
from meetings.models import ActionItem, Meeting, MeetingSeries
from partnerportal.management.commands.seed_demo import DEMO_PASSWORD, as_of
from partners.models import Organization, Site, User
from relations.models import Case, Engagement, HealthSnapshot, Kudos, Notice, RoadmapItem, SurveyRound, TimelineEvent
from relations.selectors import health_scores


def _row_counts():
    # Every model of every app, history tables included: a save() that changes nothing still
    # writes a history row, so it shows up here too.
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _run():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_changes_nothing(db):
    first_output = _run()
    after_first = _row_counts()
    second_output = _run()
    after_second = _row_counts()
    changed = {
        label: (after_first[label], after_second[label])
        for label in after_first
        if after_first[label] != after_second[label]
    }
    assert not changed, f"the second seed_demo run changed row counts: {changed}"
    assert first_output == second_output


def test_seed_demo_creates_a_realistic_world(db):
    output = _run()
    host = Organization.objects.host().get()
    assert host.sites.count() == 2
    partners = Organization.objects.partners()
    assert partners.count() >= 4
    assert len(set(partners.values_list("kind", flat=True))) >= 4
    roles = set(User.objects.values_list("role", flat=True))
    assert roles >= {"admin", "manager", "partner_manager", "partner_viewer"}
    assert Site.objects.exclude(organization=host).exists()
    for username in ("admin", "lager", "danlog", "danlog_view", "jysk"):
        assert username in output
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in output


def test_demo_logins_do_not_start_with_a_flood_of_unread_notifications(db, client):
    """The demo's year of history notified people about every record month and breach as it was
    seeded; a person signing in for the first time sees a few new notifications, not 85."""
    from partnerportal.notifications import selectors
    from partnerportal.notifications.models import Notification

    _run()
    assert Notification.objects.filter(recipient__username="lager").count() > 20  # the history is there
    for user in User.objects.filter(is_active=True):
        assert selectors.unread_count(user=user) <= 3, user.username
    assert selectors.unread_count(user=User.objects.get(username="lager")) > 0  # the bell still shows news
    client.post("/accounts/login/", {"username": "lager", "password": DEMO_PASSWORD})
    page = client.get("/notifications/?show=unread").content.decode()
    assert 0 < len(re.findall(r'id="notification-\d+"', page)) <= 3


def test_demo_logins_work_through_the_login_form(db, client):
    _run()
    response = client.post("/accounts/login/", {"username": "danlog", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    danlog = Organization.objects.get(name="DanLog 3PL A/S")
    assert client.get("/")["Location"] == f"/partners/{danlog.pk}/"


STATUS_RANK = {"on_target": 0, "warning": 1, "critical": 2}
ENGLISH = re.compile(r"\b(the|and|of|with|on|was|were|has|have|our|your|we)\b", re.I)


def _worst_status(row):
    return max((c.status for c in row.cells if c is not None and c.status in STATUS_RANK), key=STATUS_RANK.get)


def test_demo_partners_differ_in_kpis_health_and_history(db, client):
    """The demo shows what the portal is for: one partner critical, some warning, one fine, each with
    its own trend and health score; a history spread over the year; its texts in Danish. Seeded on a
    fixed day (1 December 2026, a first Tuesday, after the morning meeting) so the check is exact."""
    seeded = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    with as_of(seeded):
        _run()
        lager = User.objects.get(username="lager")
        card = portfolio(user=lager)
        assert card["start"] == date(2026, 11, 1)  # the latest complete month of data
        worst = {row.partner.name: _worst_status(row) for row in card["rows"]}
        assert sorted(worst.values()).count("critical") == 1, worst
        assert sorted(worst.values()).count("warning") >= 2, worst
        assert "on_target" in worst.values(), worst
        overall = {row.partner.name: round(row.overall) for row in card["rows"]}
        assert len(set(overall.values())) == len(overall), f"the lowest scores tie: {overall}"
        trends = {  # each partner's scorecard shows the trend (the portfolio does not)
            r.trend
            for row in card["rows"]
            for r in scorecard(user=lager, partner=Organization.objects.get(pk=row.partner.pk)).results
            if r.code == "delivery-time"
        }
        assert {"up", "down"} <= trends, trends  # one partner's delivery time rises, another's falls

        # The dashboard's panels name the lowest overall score and the health of each partner.
        client.force_login(lager)
        dashboard = client.get("/dashboard/")
        assert dashboard.status_code == 200
        critical_partner = next(name for name, status in worst.items() if status == "critical")
        panels = {panel.key: context for panel, context in dashboard.context["panels"]}
        lowest = [row.partner.name for row in panels["kpis"]["overview"].lowest]
        assert lowest[0] == critical_partner and len(lowest) == 3, lowest
        html = dashboard.content.decode()
        assert all(html.count(name) >= 2 for name in lowest)  # in the lowest scores and the health panel
        health_panel = [row["partner"].name for row in panels["health"]["rows"]]
        assert health_panel[0] == critical_partner, health_panel

        partner_ids = list(Organization.objects.partners().values_list("pk", flat=True))
        scores = health_scores(partner_ids)
        assert None not in scores.values() and len(set(scores.values())) == len(scores), scores
        assert max(scores.values()) - min(scores.values()) >= 20, scores
        by_name = {Organization.objects.get(pk=pk).name: score for pk, score in scores.items()}
        assert min(by_name, key=by_name.get) == critical_partner, by_name
        months = HealthSnapshot.objects.filter(partner__name=critical_partner).order_by("month")
        history = list(months.values_list("score", flat=True))
        assert len(history) == 12 and history[-1] < max(history) - 20, history  # the score fell

        # The timeline spans the year, not the seeding day.
        events = TimelineEvent.objects.all()
        first, last = min(e.occurred_at for e in events), max(e.occurred_at for e in events)
        assert last - first > timedelta(days=300)
        on_seeding_day = [e for e in events if timezone.localtime(e.occurred_at).date() == seeded.date()]
        assert len(on_seeding_day) <= len(events) // 10, [e.title for e in on_seeding_day]
        for category in ("agreement", "roadmap", "notice", "case", "meeting"):
            days = {timezone.localtime(e.occurred_at).date() for e in events.filter(category=category)}
            assert len(days) >= 3, (category, days)

        # This month's meeting of each first-Tuesday series was this morning.
        for series in MeetingSeries.objects.filter(rrule="FREQ=MONTHLY;BYDAY=1TU"):
            assert series.meetings.filter(start__date=seeded.date(), status="held").exists(), series.partner

    # The texts people wrote are Danish; texts stored in two languages keep both.
    texts = [
        *Notice.objects.values_list("title", "mitigation"),
        *Case.objects.values_list("title", "what_happened", "impact", "root_cause", "prevention"),
        *Kudos.objects.values_list("title", "message"),
        *Engagement.objects.values_list("title", "agenda", "notes", "learnings"),
        *RoadmapItem.objects.values_list("title", "description", "expected_effect"),
        *SurveyRound.objects.values_list("title"),
        *Meeting.objects.values_list("title", "minutes", "decisions"),
        *ActionItem.objects.values_list("title"),
        *Site.objects.values_list("name"),
        *User.objects.values_list("title"),
        *Organization.objects.values_list("description", "internal_notes"),
    ]
    english = [t for row in texts for t in row if t and ENGLISH.search(t)]
    assert not english, english
    assert Notice.objects.filter(title="Lastbil brudt ned på E45").exists()
    for survey in SurveyRound.objects.all():
        assert all(q["da"] and q["en"] and q["da"] != q["en"] for q in survey.questions)
