"""Reads of surveys: rounds, invitations and results (hidden until they give no answer away)."""

from django.db.models import Count, QuerySet
from django.utils import timezone

from partnerportal import policy

from ..models import MIN_ANSWERS_PER_SIDE, Side, SurveyInvitation, SurveyResponse, SurveyRound

MIN_ANONYMOUS_ANSWERS = MIN_ANSWERS_PER_SIDE  # per side


def survey_list(*, user, partner=None) -> QuerySet:
    qs = (
        policy.scope(user, policy.VIEW, SurveyRound)
        .select_related("partner")
        .annotate(answer_count=Count("responses", distinct=True))
        .order_by("-opens_on", "-id")
    )
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs


def open_surveys_for(*, user) -> QuerySet:
    today = timezone.localdate()
    return SurveyRound.objects.filter(
        invitations__user=user, invitations__answered=False, opens_on__lte=today, closes_on__gte=today
    ).select_related("partner")


def invitation_for(*, user, survey) -> SurveyInvitation | None:
    return SurveyInvitation.objects.filter(round=survey, user=user).first()


def survey_results(*, survey, today=None) -> dict:
    """Mean per question per side and the gap, for the sides that may be shown.

    Anonymous rounds: nothing while the round is open (results that moved with each answer would
    give each new answer away by subtraction); once closed, each side's means and comments only
    from MIN_ANSWERS_PER_SIDE answers on that side. Named rounds: everything, as it comes in.
    """
    responses = list(SurveyResponse.objects.filter(round=survey).values("side", "scores", "comment"))
    counts = {side.value: sum(1 for r in responses if r["side"] == side) for side in (Side.HOST, Side.PARTNER)}
    sides = {side: {"count": n, "shown": survey.side_shown(n, today)} for side, n in counts.items()}
    released = survey.results_released(today)
    shown = [side for side, info in sides.items() if info["shown"]]
    result = {
        "count": len(responses),
        "hidden": not shown,
        "reason": "" if shown else ("too_few" if released else "open"),
        "sides": sides,
        "rows": [],
        "comments": [],
    }
    if not shown:
        return result
    for question in survey.questions:
        key = question["key"]
        means = {}
        for side in (Side.HOST, Side.PARTNER):
            values = [r["scores"][key] for r in responses if r["side"] == side and key in r["scores"]]
            visible = sides[side.value]["shown"] and values
            means[side.value] = round(sum(values) / len(values), 2) if visible else None
        gap = (
            round(means["partner"] - means["host"], 2)
            if means["host"] is not None and means["partner"] is not None
            else None
        )
        result["rows"].append({"question": question, "host": means["host"], "partner": means["partner"], "gap": gap})
    result["comments"] = sorted((r["side"], r["comment"]) for r in responses if r["comment"] and r["side"] in shown)
    return result


def survey_trend(*, user, partner) -> list[dict]:
    """Per round: mean of all answers per side (rounds whose results may be shown)."""
    trend = []
    for survey in survey_list(user=user, partner=partner).order_by("opens_on"):
        results = survey_results(survey=survey)
        if results["hidden"] or not results["rows"]:
            continue

        def mean(side, rows=results["rows"]):
            values = [r[side] for r in rows if r[side] is not None]
            return round(sum(values) / len(values), 2) if values else None

        trend.append({"survey": survey, "host": mean("host"), "partner": mean("partner")})
    return trend


def survey_detail(*, user, pk) -> SurveyRound:
    return policy.get_object(user, policy.VIEW, SurveyRound.objects.select_related("partner"), pk=pk)


def survey_progress(*, survey) -> dict:
    """How many were invited to the round and how many have answered."""
    invitations = survey.invitations.all()
    return {"invited": invitations.count(), "answered": invitations.filter(answered=True).count()}


def api_survey_rounds(*, user) -> QuerySet:
    """The API's survey rounds: those the user may see, with their partner."""
    return policy.scope(user, policy.VIEW, SurveyRound.objects.select_related("partner"))
