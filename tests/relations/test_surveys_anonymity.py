"""Anonymous surveys stay anonymous: each inference that used to work is tried on the page and the API.

- one partner answer beside enough host answers showed that person's exact answers and comment;
- a later answer leaked by subtraction (twice the new mean minus the old one);
- the reminder rows in the admin's notification list named who had not answered yet.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerportal import policy
from partnerportal.notifications.models import Notification
from relations import health, services
from relations.models import SurveyRound
from tests.factories import UserFactory
from tests.relations import helpers

pytestmark = pytest.mark.django_db

SCORES = {"trust": "4", "communication": "3", "responsiveness": "5", "problem_solving": "4", "overall": "4"}
# One partner person's answer, recognisable anywhere it might show up.
SECRET_SCORES = {"trust": "1", "communication": "2", "responsiveness": "1", "problem_solving": "2", "overall": "1"}
SECRET_COMMENT = "The night shift lead shouts at our drivers"


def _answer(client, survey, comment="", **scores):
    response = client.post(
        reverse("relations:survey_answer", args=[survey.pk]), {**SCORES, **scores, "comment": comment}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _people(world, partner_extra=0, host_extra=1):
    """Enough people on each side to reach three answers (the world has two per side)."""
    host = [world.admin, world.manager] + [
        UserFactory(organization=world.host, role=policy.MANAGER) for _ in range(host_extra)
    ]
    partner = [world.a_manager, world.a_viewer] + [
        UserFactory(organization=world.partner_a, role=policy.PARTNER_VIEWER) for _ in range(partner_extra)
    ]
    return host, partner


def _close(survey):
    today = timezone.localdate()
    SurveyRound.objects.filter(pk=survey.pk).update(
        opens_on=today - timedelta(days=10), closes_on=today - timedelta(days=1)
    )
    survey.refresh_from_db()


def _page(client_as, user, survey):
    return client_as(user).get(survey.get_absolute_url()).content.decode()


def _api(client_as, user, survey):
    response = client_as(user).get(reverse("api:survey-round-detail", args=[survey.pk]))
    assert response.status_code == 200
    return response.json()["results"]


def test_one_partner_answer_is_never_shown_beside_enough_host_answers(world, client_as):
    host, partner = _people(world)
    survey = helpers.survey(world, world.partner_a)
    for person in host:
        _answer(client_as(person), survey)
    _answer(client_as(world.a_viewer), survey, comment=SECRET_COMMENT, **SECRET_SCORES)

    for viewer in (world.manager, world.admin, world.a_manager):
        page = _page(client_as, viewer, survey)
        assert SECRET_COMMENT not in page
        assert 'id="results"' not in page  # still open: no results at all
        results = _api(client_as, viewer, survey)
        assert results["rows"] == [] and results["comments"] == []
        assert SECRET_COMMENT not in str(results)

    # Closed, the partner side (one answer) stays hidden; the host side (three) is shown.
    _close(survey)
    page = _page(client_as, world.manager, survey)
    assert 'id="results"' in page and SECRET_COMMENT not in page
    results = _api(client_as, world.manager, survey)
    assert all(row["partner"] is None and row["gap"] is None for row in results["rows"])
    assert all(row["host"] == float(SCORES[row["question"]["key"]]) for row in results["rows"])
    assert results["sides"]["partner"] == {"count": 1, "shown": False}
    assert results["sides"]["host"] == {"count": 3, "shown": True}
    assert SECRET_COMMENT not in str(results)


def test_a_later_answer_cannot_be_found_by_subtraction(world, client_as):
    host, partner = _people(world, partner_extra=2)
    survey = helpers.survey(world, world.partner_a)
    for person in partner[:3]:
        _answer(client_as(person), survey)
    before_page = _page(client_as, world.manager, survey)
    before_api = _api(client_as, world.manager, survey)

    _answer(client_as(partner[3]), survey, comment=SECRET_COMMENT, **SECRET_SCORES)

    after_api = _api(client_as, world.manager, survey)
    # Nothing answer-dependent moved: the only difference may be the number of answers.
    assert {k: v for k, v in before_api.items() if k not in ("count", "sides")} == {
        k: v for k, v in after_api.items() if k not in ("count", "sides")
    }
    assert after_api["rows"] == [] and SECRET_COMMENT not in str(after_api)
    after_page = _page(client_as, world.manager, survey)
    assert 'id="results"' not in before_page and 'id="results"' not in after_page
    assert SECRET_COMMENT not in after_page

    # When the round closes the results appear once, over all four answers, comments included.
    _close(survey)
    results = _api(client_as, world.manager, survey)
    trust = next(row for row in results["rows"] if row["question"]["key"] == "trust")
    assert trust["partner"] == pytest.approx((4 + 4 + 4 + 1) / 4, abs=0.01)
    assert trust["host"] is None  # no host answers
    assert [side for side, _text in results["comments"]] == ["partner"]
    assert SECRET_COMMENT in _page(client_as, world.a_viewer, survey)


def test_comments_need_the_sides_threshold(world, client_as):
    host, partner = _people(world, partner_extra=1)
    survey = helpers.survey(world, world.partner_a)
    for person in host:
        _answer(client_as(person), survey, comment=f"host says {person.pk}")
    _answer(client_as(partner[0]), survey, comment=SECRET_COMMENT)
    _answer(client_as(partner[1]), survey)
    _close(survey)
    results = _api(client_as, world.admin, survey)
    assert {side for side, _text in results["comments"]} == {"host"}
    assert SECRET_COMMENT not in _page(client_as, world.admin, survey)


def test_named_rounds_show_results_as_they_come(world, client_as):
    survey = helpers.survey(world, world.partner_a, anonymous=False)
    _answer(client_as(world.a_viewer), survey, trust="2")
    results = _api(client_as, world.manager, survey)
    assert next(r for r in results["rows"] if r["question"]["key"] == "trust")["partner"] == 2.0


def test_reminders_of_an_anonymous_round_leave_no_trail_of_who_has_not_answered(world, client_as):
    survey = helpers.survey(world, world.partner_a)
    _answer(client_as(world.a_manager), survey)
    SurveyRound.objects.filter(pk=survey.pk).update(opens_on=timezone.localdate() - timedelta(days=8))

    services.survey_send_reminders()

    reminded = set(
        Notification.objects.filter(key=f"survey:{survey.pk}:reminder").values_list("recipient__username", flat=True)
    )
    invited = set(survey.invitations.values_list("user__username", flat=True))
    assert reminded == invited  # everyone, so the list says nothing about who answered
    admin_list = client_as(world.admin).get(
        reverse("admin:notifications_notification_changelist"), {"kind": "relations.survey_reminder"}
    )
    assert admin_list.status_code == 200
    html = admin_list.content.decode()
    assert str(world.a_manager) in html and str(world.a_viewer) in html
    body = Notification.objects.get(key=f"survey:{survey.pk}:reminder", recipient=world.a_manager).body
    assert "not received your answer" not in body


def test_health_score_counts_anonymous_answers_only_once_the_round_is_closed(world, client_as):
    host, partner = _people(world, partner_extra=1)
    survey = helpers.survey(world, world.partner_a)
    for person in partner:
        _answer(client_as(person), survey, **SECRET_SCORES)
    _answer(client_as(world.manager), survey)
    today = timezone.localdate()
    part = health.compute(world.partner_a, today.replace(day=1))[1]
    assert next(p for p in part if p.key == "survey").score is None
    _close(survey)
    part = next(p for p in health.compute(world.partner_a, today.replace(day=1))[1] if p.key == "survey")
    assert part.score is not None and part.detail.startswith("1.40")  # partner side only; host side has one
