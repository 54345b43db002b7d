"""Reads of the relationship practices, already restricted by the access policy."""

from __future__ import annotations

from datetime import timedelta
from statistics import median

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerportal import policy
from partners.models import Organization, User

from . import health, integrations
from .models import (
    MIN_ANSWERS_PER_SIDE,
    Case,
    CaseStatus,
    Engagement,
    HealthSnapshot,
    Kudos,
    Notice,
    RoadmapComment,
    RoadmapItem,
    Side,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    TimelineEvent,
)

MIN_ANONYMOUS_ANSWERS = MIN_ANSWERS_PER_SIDE  # per side


def visible_partners(*, user) -> QuerySet:
    return policy.scope(user, policy.VIEW, Organization.objects.partners().filter(is_active=True)).order_by("name")


# --- Notices ---------------------------------------------------------------------------------


def notice_list(*, user, partner=None, kind="", open_only=False) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Notice).select_related("partner", "posted_by", "acknowledged_by")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs


def notice_detail(*, user, pk) -> Notice:
    return policy.get_object(user, policy.VIEW, Notice.objects.select_related("partner", "posted_by"), pk=pk)


def notice_stats(*, user, partner=None) -> dict:
    """How fast each side informs (hours before the affected window) and acknowledges (median)."""
    rows = notice_list(user=user, partner=partner).values_list("side", "posted_at", "affected_from", "acknowledged_at")
    lead = {Side.HOST: [], Side.PARTNER: []}
    ack = {Side.HOST: [], Side.PARTNER: []}
    for side, posted_at, affected_from, acknowledged_at in rows:
        lead[side].append((affected_from - posted_at).total_seconds() / 3600)
        if acknowledged_at is not None:
            other = Side.PARTNER if side == Side.HOST else Side.HOST
            ack[other].append((acknowledged_at - posted_at).total_seconds() / 3600)
    result = {}
    for side in (Side.HOST, Side.PARTNER):
        result[side.value] = {
            "label": side.label,
            "posted": len(lead[side]),
            "median_lead_hours": round(median(lead[side]), 1) if lead[side] else None,
            "acknowledged": len(ack[side]),
            "median_ack_hours": round(median(ack[side]), 1) if ack[side] else None,
        }
    return result


# --- Cases -----------------------------------------------------------------------------------


def case_list(*, user, partner=None, status="", open_only=False) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Case).select_related("partner", "raised_by")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.exclude(status=CaseStatus.RESOLVED)
    return qs


def case_detail(*, user, pk) -> Case:
    prefetches = ["events__user", "files", "escalations"]
    if hasattr(Case, "action_items"):
        prefetches.append("action_items")
    qs = Case.objects.select_related("partner", "raised_by", "acknowledged_by").prefetch_related(*prefetches)
    return policy.get_object(user, policy.VIEW, qs, pk=pk)


def open_cases_for_agenda(*, partner, user=None) -> list[dict]:
    qs = Case.objects.filter(partner=partner).exclude(status=CaseStatus.RESOLVED)
    if user is not None:
        qs = policy.scope(user, policy.VIEW, qs)
    return [
        {"title": c.title, "url": c.get_absolute_url(), "detail": c.get_status_display()}
        for c in qs.order_by("raised_at")
    ]


def open_notices_for_agenda(*, partner, user=None, since=None) -> list[dict]:
    """Notices for a meeting: those posted since `since` (the previous meeting), still unacknowledged
    or whose affected window is not over yet."""
    since = since or timezone.now() - timedelta(days=30)
    qs = Notice.objects.filter(partner=partner).filter(
        Q(acknowledged_at__isnull=True) | Q(affected_until__gte=timezone.now()) | Q(posted_at__gte=since)
    )
    if user is not None:
        qs = policy.scope(user, policy.VIEW, qs)
    return [
        {
            "title": n.title,
            "url": n.get_absolute_url(),
            "detail": f"{n.get_kind_display()} · {n.get_severity_display()}",
        }
        for n in qs.order_by("-posted_at")[:20]
    ]


# --- Facts for cases ---------------------------------------------------------------------------

FACT_WINDOW_DAYS = 400  # a case is about something recent: the last 13 months of measurements
PICKER_RESULTS = 15


def measurement_choices(*, user, partner=None):
    """The measurements a case may be about: those the user may see (a partner never sees another
    partner's, nor an internal KPI's), of the last 13 months, of `partner` if given. None without
    the kpis app."""
    model = integrations.model_or_none("kpis.Measurement")
    if model is None:
        return None
    since = timezone.localdate() - timedelta(days=FACT_WINDOW_DAYS)
    qs = policy.scope(user, policy.VIEW, model).filter(period_start__gte=since)
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs.select_related("kpi", "partner", "site").order_by("-period_start", "kpi__name", "id")


def measurement_search(*, user, partner, text="", month=None, limit=PICKER_RESULTS):
    """One page of the measurement picker: (results, how many match). Every word of `text` must be
    in the KPI's name (stored or in the reader's language) or the site's name or code; `month` keeps
    the measurements of that calendar month."""
    qs = measurement_choices(user=user, partner=partner)
    if qs is None:
        return [], 0
    for word in text.split()[:5]:
        qs = qs.filter(
            Q(kpi__name__icontains=word)
            | Q(kpi__pk__in=_kpis_named(word))
            | Q(site__name__icontains=word)
            | Q(site__code__iexact=word)
        )
    if month is not None:
        qs = qs.filter(period_start__year=month.year, period_start__month=month.month)
    return list(qs[:limit]), qs.count()


def _kpis_named(word):
    """KPIs whose name in the reader's language holds `word` (standard KPIs are translated)."""
    model = integrations.model_or_none("kpis.KPIDefinition")
    if model is None:
        return []
    word = word.lower()
    return [k.pk for k in model.objects.all() if word in k.display_name.lower()]


# --- Engagements, roadmap ----------------------------------------------------------------------


def engagement_list(*, user, partner=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Engagement).select_related("partner")
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs


def roadmap_list(*, user, partner=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, RoadmapItem).prefetch_related("shared_with")
    if partner is not None:
        qs = qs.filter(shared_with=partner)
    return qs.distinct()


def roadmap_comments(*, user, item) -> QuerySet:
    return policy.scope(user, policy.VIEW, RoadmapComment).filter(item=item).select_related("author", "partner")


# --- Successes -------------------------------------------------------------------------------


SUCCESS_LABELS = {
    "record": _("Best month so far"),
    "streak": _("On target several months in a row"),
}
RECORDS_SHOWN = 24  # the months listed when a grouped success is opened


def _day(when):
    return when.date() if hasattr(when, "date") and callable(when.date) else when


def successes(*, user, partner=None, since=None, limit=20, per_kind=False) -> list[dict]:
    """Kudos people wrote (newest first), then the successes detected in KPI data, grouped: one entry
    per partner, KPI and kind ("Best month so far ×3, latest November 2026") holding its records,
    the most recent group first. The automatic records come every month; grouped and after the
    kudos, they no longer bury what people wrote. `limit` counts kudos and groups (`per_kind`: up to
    `limit` of each)."""
    kudos = policy.scope(user, policy.VIEW, Kudos).select_related("partner", "given_by")
    if partner is not None:
        kudos = kudos.filter(partner=partner)
    if since is not None:
        kudos = kudos.filter(given_at__gte=since)
    items = [
        {
            "kind": "kudos",
            "title": k.title,
            "detail": k.message,
            "date": timezone.localdate(k.given_at),
            "by": k.given_by,
            "partner": k.partner,
        }
        for k in kudos[:limit]
    ]
    groups: dict[tuple, dict] = {}
    for success in integrations.detected_successes(user=user, partner=partner, since=since):
        when = _day(success.get("date"))
        found = success.get("partner")
        kind = success.get("kind", "")
        key = (getattr(found, "pk", None), success.get("kpi_id") or success["title"], kind)
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "kind": "kpi",
                "title": success.get("kpi") or success["title"],
                "label": SUCCESS_LABELS.get(kind, ""),
                "detail": "",
                "date": when,  # the latest record (detected_successes lists the newest first)
                "by": None,
                "partner": found,
                "url": success.get("url", ""),
                "count": 0,
                "records": [],
            }
        group["count"] += 1
        if len(group["records"]) < RECORDS_SHOWN:
            group["records"].append(
                {"date": when, "title": success["title"], "value": success.get("value", "") if kind == "record" else ""}
            )
    newest = timezone.localdate()
    detected = sorted(groups.values(), key=lambda g: (g["date"] is not None, g["date"] or newest), reverse=True)
    if per_kind:
        return items + detected[:limit]
    return (items + detected)[:limit]


# --- Surveys ---------------------------------------------------------------------------------


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


def action_owners(*, case) -> QuerySet:
    """Who may own an action agreed on `case`: active people of the host or of the case's partner."""
    return User.objects.filter(is_active=True).filter(Q(organization=case.partner) | policy.host_staff())


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


# --- Health and timeline -----------------------------------------------------------------------


def health_scores(partner_ids) -> dict[int, int | None]:
    """The latest stored health score per partner id (for the portfolio to sort by)."""
    scores = dict.fromkeys(partner_ids)
    latest = (
        HealthSnapshot.objects.filter(partner_id__in=list(partner_ids))
        .order_by("partner_id", "-month")
        .distinct("partner_id")
        if _supports_distinct_on()
        else None
    )
    if latest is None:
        for snap in HealthSnapshot.objects.filter(partner_id__in=list(partner_ids)).order_by("partner_id", "month"):
            scores[snap.partner_id] = snap.score
        return scores
    for snap in latest:
        scores[snap.partner_id] = snap.score
    return scores


def _supports_distinct_on():
    from django.db import connection

    return connection.features.can_distinct_on_fields


def health_trend(*, user, partner) -> list[HealthSnapshot]:
    qs = policy.scope(user, policy.VIEW, HealthSnapshot).filter(partner=partner).order_by("-month")[:12]
    return list(reversed(qs))


def health_now(*, partner):
    return health.compute(partner, timezone.localdate())


def timeline(*, user, partner, categories=()) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, TimelineEvent).filter(partner=partner)
    if categories:
        qs = qs.filter(category__in=categories)
    return qs.order_by("-occurred_at", "-id")
