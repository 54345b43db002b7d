from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications.models import Notification
from relations import services
from relations.models import SurveyInvitation, SurveyResponse, SurveyRound
from tests.factories import UserFactory
from tests.relations import helpers

pytestmark = pytest.mark.django_db

SCORES = {"trust": "4", "communication": "3", "responsiveness": "5", "problem_solving": "4", "overall": "4"}


def _answer(client, survey, **overrides):
    return client.post(reverse("relations:survey_answer", args=[survey.pk]), {**SCORES, **overrides}, follow=True)


def test_round_uses_the_default_template_and_invites_both_sides(world):
    survey = helpers.survey(world, world.partner_a)
    assert [q["key"] for q in survey.questions] == [
        "trust",
        "communication",
        "responsiveness",
        "problem_solving",
        "overall",
    ]
    invited = set(SurveyInvitation.objects.filter(round=survey).values_list("user__username", "side"))
    assert invited == {("admin", "host"), ("manager", "host"), ("a_manager", "partner"), ("a_viewer", "partner")}
    assert Notification.objects.filter(key=f"survey:{survey.pk}:invite").count() == 4


def test_admin_edits_of_the_template_apply_to_new_rounds_only(world):
    from relations.models import SurveyQuestion

    old = helpers.survey(world, world.partner_a)
    SurveyQuestion.objects.filter(key="trust").update(text_en="Do you trust us?")
    new = helpers.survey(world, world.partner_a)
    assert old.questions[0]["en"] != "Do you trust us?"
    assert new.questions[0]["en"] == "Do you trust us?"


def test_anonymous_answer_cannot_be_linked_to_the_person(world, client_as):
    survey = helpers.survey(world, world.partner_a, anonymous=True)
    response = _answer(client_as(world.a_viewer), survey)
    assert "Thank you" in response.content.decode()
    answer = SurveyResponse.objects.get()
    assert answer.respondent_id is None and answer.side == "partner"
    # The invitation says only "answered": no time, no pointer to the answer.
    invitation = SurveyInvitation.objects.get(round=survey, user=world.a_viewer)
    assert invitation.answered
    invitation_fields = {f.name for f in SurveyInvitation._meta.get_fields()}
    assert invitation_fields == {"id", "round", "user", "side", "answered"}
    # No column of the answer table refers to a user except the (empty) respondent column.
    with connection.cursor() as cursor:
        columns = [
            c.name for c in connection.introspection.get_table_description(cursor, SurveyResponse._meta.db_table)
        ]
    assert set(columns) == {"id", "round_id", "side", "respondent_id", "scores", "comment", "submitted_on"}
    # and no history table records who changed what
    assert not hasattr(SurveyResponse, "history") and not hasattr(SurveyInvitation, "history")


def test_named_round_keeps_the_respondent(world, client_as):
    survey = helpers.survey(world, world.partner_a, anonymous=False)
    _answer(client_as(world.a_manager), survey)
    assert SurveyResponse.objects.get().respondent == world.a_manager


def test_answering_twice_gives_a_clear_message_and_changes_nothing(world, client_as):
    survey = helpers.survey(world, world.partner_a)
    client = client_as(world.a_manager)
    _answer(client, survey)
    response = _answer(client, survey, trust="1")
    assert "already answered" in response.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().scores["trust"] == 4
    api = client.post(
        reverse("api:survey-round-answer", args=[survey.pk]),
        {"scores": dict.fromkeys(SCORES, 1)},
        content_type="application/json",
    )
    assert api.status_code == 400 and "already answered" in str(api.json())
    assert SurveyResponse.objects.count() == 1


def test_missing_or_out_of_range_scores_are_refused(world, client_as):
    survey = helpers.survey(world, world.partner_a)
    client = client_as(world.a_manager)
    response = client.post(reverse("relations:survey_answer", args=[survey.pk]), {**SCORES, "trust": "9"})
    assert response.status_code == 400
    api = client.post(
        reverse("api:survey-round-answer", args=[survey.pk]), {"scores": {"trust": 3}}, content_type="application/json"
    )
    assert api.status_code == 400
    assert not SurveyResponse.objects.exists()
    assert not SurveyInvitation.objects.filter(answered=True).exists()


def test_results_hidden_while_open_then_side_by_side_with_gap(world, client_as):
    """Anonymous: nothing while the round is open; once closed, each side from three answers (the
    world has two partner people, so two more are added). The inferences are in test_surveys_anonymity."""
    from tests.factories import UserFactory as Person

    extra_host = Person(organization=world.host, role="manager")
    extra_partner = Person(organization=world.partner_a, role="partner_viewer")
    survey = helpers.survey(world, world.partner_a)
    for person in (world.a_manager, world.a_viewer, extra_partner):
        _answer(client_as(person), survey, trust="2")
    for person in (world.manager, world.admin, extra_host):
        _answer(client_as(person), survey, trust="5")
    page = client_as(world.manager).get(survey.get_absolute_url()).content.decode()
    assert 'id="results-hidden"' in page and 'id="results"' not in page
    api = client_as(world.admin).get(reverse("api:survey-round-detail", args=[survey.pk])).json()
    assert api["results"]["hidden"] is True and api["results"]["rows"] == []
    today = timezone.localdate()
    SurveyRound.objects.filter(pk=survey.pk).update(
        opens_on=today - timedelta(days=9), closes_on=today - timedelta(days=1)
    )
    page = client_as(world.a_viewer).get(survey.get_absolute_url()).content.decode()
    assert 'id="results"' in page
    from relations.selectors import survey_results

    survey.refresh_from_db()
    trust = survey_results(survey=survey)["rows"][0]
    assert (trust["host"], trust["partner"], trust["gap"]) == (5.0, 2.0, -3.0)


def test_uninvited_user_cannot_answer(world, client_as):
    survey = helpers.survey(world, world.partner_a)
    newcomer = UserFactory(organization=world.partner_a, role="partner_viewer")
    assert client_as(newcomer).get(reverse("relations:survey_answer", args=[survey.pk])).status_code == 403


def test_reminders_of_a_named_round_go_only_to_those_who_have_not_answered(world, client_as):
    survey = helpers.survey(world, world.partner_a, anonymous=False)
    _answer(client_as(world.a_manager), survey)
    SurveyRound.objects.filter(pk=survey.pk).update(opens_on=timezone.localdate() - timedelta(days=8))
    assert services.survey_send_reminders() == 3
    reminded = set(
        Notification.objects.filter(key=f"survey:{survey.pk}:reminder").values_list("recipient__username", flat=True)
    )
    assert reminded == {"admin", "manager", "a_viewer"}
    assert services.survey_send_reminders() == 0  # once


def test_rounds_are_scheduled_quarterly(world):
    today = timezone.localdate()
    created = services.schedule_survey_rounds(today=today)
    assert {s.partner for s in created} == {world.partner_a, world.partner_b}
    assert services.schedule_survey_rounds(today=today + timedelta(days=60)) == []
    assert len(services.schedule_survey_rounds(today=today + timedelta(days=93))) == 2
