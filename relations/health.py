"""Relationship health score (0–100) per partner and month.

Window: the three calendar months ending with the scored month (for the current month: up to now).
Six parts, each scored 0–100 (a part without data is left out and the weights of the others are
scaled up to 100 %):

1. KPI attainment (weight 35): ``kpis.selectors.kpi_attainment(partner, start, end, shared_only=True,
   subject="partner")`` (internal KPIs are left out, since partners see the score): the share (0–1) of
   (KPI, month) pairs of the KPIs about the partner in the window with data and a target that were on
   target, × 100.
1b. Host KPI attainment (weight 15, "How we do"): the same share for the KPIs about the host's own
   performance towards the partner (subject "host": forecast accuracy, notice lead time, on-time
   payment, our response time). Its own part, never mixed into the partner's; a partner without host
   KPIs (or without their data) leaves it out, so its score is exactly what it was without them. With
   every part present the weights add up to 115 and the score is still Σ weight × part ÷ Σ weight.
2. Action items done on time (weight 20): action items of the partner due in the window that
   were done by their due date ÷ all due in the window × 100.
3. Notice acknowledgement (weight 15): the median hours from posting to acknowledgement of the
   notices posted in the window (a notice never acknowledged counts as 72 h);
   100 at ≤ 4 h, 0 at ≥ 72 h, linear between: 100 × (72 − h) ÷ 68.
4. Case resolution (weight 15): the median days from raising to resolution of the cases resolved
   in the window, where a case still open at the end of the window counts with its age so far;
   100 at ≤ 7 days, 0 at ≥ 60 days, linear between: 100 × (60 − d) ÷ 53.
5. Survey results (weight 15): the mean of all 1–5 answers of the partner's survey rounds that
   opened in the 12 months before the window's end (anonymous rounds only once closed, and only
   the sides with ≥ 3 answers);
   (mean − 1) ÷ 4 × 100.

Score = Σ weight × part ÷ Σ weight (of the parts with data), rounded to a whole number.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from kpis import selectors as kpi_selectors
from meetings import selectors as meeting_selectors
from partnerportal.formats import number
from partners.selectors import partner_queryset

from .models import MIN_ANSWERS_PER_SIDE, Case, HealthSnapshot, Notice, SurveyResponse, SurveyRound

WEIGHTS = {"kpi": 35, "host_kpi": 15, "actions": 20, "notices": 15, "cases": 15, "survey": 15}
LABELS = {
    "kpi": _("KPI attainment"),
    "host_kpi": _("How we do: host KPI attainment"),
    "actions": _("Action items done on time"),
    "notices": _("Notice acknowledgement time"),
    "cases": _("Case resolution time"),
    "survey": _("Survey results"),
}
NOTICE_BEST_H, NOTICE_WORST_H = 4, 72
CASE_BEST_D, CASE_WORST_D = 7, 60
SURVEY_MONTHS = 12  # survey rounds that opened this many months before the window's end count
# How each part is scored, as the health page explains it (filled from the figures above).
EXPLANATIONS = {
    "kpi": _("KPI attainment (weight %(weight)s): the share of KPI targets met in the window, as a percentage."),
    "host_kpi": _(
        "How we do (weight %(weight)s): the share of the targets of the KPIs about the host's own performance "
        "towards the partner met in the window, as a percentage; left out without data."
    ),
    "actions": _(
        "Action items done on time (weight %(weight)s): items due in the window done by their due date ÷ all items "
        "due × 100."
    ),
    "notices": _(
        "Notice acknowledgement (weight %(weight)s): median hours from posting to acknowledgement (unacknowledged "
        "after %(worst)s h counts as %(worst)s h); 100 at ≤ %(best)s h, 0 at ≥ %(worst)s h, linear between."
    ),
    "cases": _(
        "Case resolution (weight %(weight)s): median days from raising to resolution (open cases count with their "
        "age); 100 at ≤ %(best)s days, 0 at ≥ %(worst)s days, linear between."
    ),
    "survey": _(
        "Survey results (weight %(weight)s): mean of all 1–5 answers in the last %(months)s months (anonymous rounds "
        "only once closed, and only the sides with at least %(answers)s answers); (mean − 1) ÷ 4 × 100."
    ),
}
FIGURES = {
    "notices": {"best": NOTICE_BEST_H, "worst": NOTICE_WORST_H},
    "cases": {"best": CASE_BEST_D, "worst": CASE_WORST_D},
    "survey": {"months": SURVEY_MONTHS, "answers": MIN_ANSWERS_PER_SIDE},
}


@dataclass
class Part:
    key: str
    score: float | None
    detail: str

    @property
    def label(self):
        return LABELS[self.key]

    @property
    def weight(self):
        return WEIGHTS[self.key]

    @property
    def explanation(self) -> str:
        """How this part is scored, in the reader's language, with the weight and limits used here."""
        return EXPLANATIONS[self.key] % {"weight": self.weight, **FIGURES.get(self.key, {})}


def _linear(value, best, worst) -> float:
    if value <= best:
        return 100.0
    if value >= worst:
        return 0.0
    return 100.0 * (worst - value) / (worst - best)


def month_start(day: date) -> date:
    return day.replace(day=1)


def window(month: date, now=None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    start_day = month_start(month) - relativedelta(months=2)
    end_day = month_start(month) + relativedelta(months=1)
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(start_day, time.min), tz)
    end = min(timezone.make_aware(datetime.combine(end_day, time.min), tz), now)
    return start, end


def kpi_part(partner, start, end) -> Part:
    last_day = timezone.localtime(end - timedelta(microseconds=1)).date()  # the window's end is exclusive
    # The health score is shown to the partner too: internal KPIs must not feed it.
    return _attainment_part("kpi", "partner", partner, timezone.localtime(start).date(), last_day)


def host_kpi_part(partner, start, end) -> Part:
    """The host's half of the scorecard ("How we do"), scored as the partner's KPI part."""
    last_day = timezone.localtime(end - timedelta(microseconds=1)).date()
    return _attainment_part("host_kpi", "host", partner, timezone.localtime(start).date(), last_day)


def _attainment_part(key, subject, partner, first_day, last_day) -> Part:
    """A KPI part: the share of (KPI, month) on target, over the final months of the window and the month
    still running. A closed month whose scorecard is under review (kpis.reviews: proposed or disputed) is
    left out until it is final, and the part says so: a figure in dispute never counts for or against."""
    in_review = kpi_selectors.months_in_review(partner_id=partner.pk, start=first_day, end=last_day)
    value = kpi_selectors.kpi_attainment(
        partner=partner, start=first_day, end=last_day, shared_only=True, subject=subject, leave_out=in_review
    )
    note = (
        " · "
        + ngettext("%(count)s month under review left out", "%(count)s months under review left out", len(in_review))
        % {"count": len(in_review)}
        if in_review
        else ""
    )
    if value is None:
        return Part(key, None, note.removeprefix(" · "))
    score = min(100.0, max(0.0, float(value) * 100))
    return Part(key, score, f"{number(score, 0)} %{note}")


def actions_part(partner, start, end) -> Part:
    counts = meeting_selectors.action_items_done_on_time(partner=partner, start=start.date(), end=end.date())
    if not counts:
        return Part("actions", None, "")
    done, due = counts
    return Part("actions", 100.0 * done / due, f"{done}/{due}")


def notices_part(partner, start, end) -> Part:
    hours = []
    for posted_at, acked_at in Notice.objects.filter(
        partner=partner, posted_at__gte=start, posted_at__lt=end
    ).values_list("posted_at", "acknowledged_at"):
        if acked_at is None or acked_at > end:
            waited = (end - posted_at).total_seconds() / 3600
            if waited < NOTICE_WORST_H:
                continue  # still within the time it may take; not counted yet
            hours.append(NOTICE_WORST_H)
        else:
            hours.append((acked_at - posted_at).total_seconds() / 3600)
    if not hours:
        return Part("notices", None, "")
    med = median(hours)
    return Part("notices", _linear(med, NOTICE_BEST_H, NOTICE_WORST_H), gettext("%(n)s hours") % {"n": number(med, 1)})


def cases_part(partner, start, end) -> Part:
    days = []
    cases = Case.objects.filter(partner=partner, raised_at__lt=end).filter(
        Q(resolved_at__gte=start, resolved_at__lt=end) | Q(resolved_at__isnull=True) | Q(resolved_at__gte=end)
    )
    for raised_at, resolved_at in cases.values_list("raised_at", "resolved_at"):
        finished = resolved_at if resolved_at is not None and resolved_at < end else end
        days.append((finished - raised_at).total_seconds() / 86400)
    if not days:
        return Part("cases", None, "")
    med = median(days)
    return Part("cases", _linear(med, CASE_BEST_D, CASE_WORST_D), gettext("%(n)s days") % {"n": number(med, 1)})


def survey_part(partner, start, end) -> Part:
    since = end.date() - relativedelta(months=SURVEY_MONTHS)
    rounds = {
        r.pk: r for r in SurveyRound.objects.filter(partner=partner, opens_on__gte=since, opens_on__lt=end.date())
    }
    answers = list(SurveyResponse.objects.filter(round__in=list(rounds)).values_list("round_id", "side", "scores"))
    per_side = Counter((round_id, side) for round_id, side, _scores in answers)
    # Only what the survey pages may show: an anonymous round once closed, each side from
    # MIN_ANSWERS_PER_SIDE answers (else the score would move answer by answer).
    values = [
        value
        for round_id, side, scores in answers
        if rounds[round_id].side_shown(per_side[(round_id, side)])
        for value in scores.values()
    ]
    if not values:
        return Part("survey", None, "")
    mean = sum(values) / len(values)
    return Part("survey", (mean - 1) / 4 * 100, f"{number(mean, 2)} / 5")


def compute(partner, month: date, now=None) -> tuple[int | None, list[Part]]:
    start, end = window(month, now)
    parts = [
        kpi_part(partner, start, end),
        host_kpi_part(partner, start, end),
        actions_part(partner, start, end),
        notices_part(partner, start, end),
        cases_part(partner, start, end),
        survey_part(partner, start, end),
    ]
    scored = [p for p in parts if p.score is not None]
    if not scored:
        return None, parts
    total = sum(p.weight * p.score for p in scored) / sum(p.weight for p in scored)
    return round(total), parts


LOCK_CLASS = 0x4845  # the first key of relations' per-partner advisory lock on its health snapshots


def _lock_partner(partner_id: int) -> None:
    """Serialise the snapshot writes of one partner until the transaction ends: a refresh reads its
    inputs after taking the lock, so the one that writes last has read the latest committed inputs."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, partner_id])


def snapshot(partner, month: date, now=None) -> HealthSnapshot:
    with transaction.atomic():
        _lock_partner(partner.pk)
        score, parts = compute(partner, month_start(month), now)
        snap, _ = HealthSnapshot.objects.update_or_create(
            partner=partner,
            month=month_start(month),
            defaults={
                "score": score,
                "parts": {
                    p.key: {"score": None if p.score is None else round(p.score, 1), "detail": p.detail} for p in parts
                },
                "computed_at": timezone.now(),
            },
        )
    return snap


def stored_or_snapshot(partner, month: date) -> HealthSnapshot:
    """The stored snapshot of the month, computed and stored if there is none yet. Under the partner's
    lock, so that readers arriving together compute it once (the others wait and read it)."""
    with transaction.atomic():
        _lock_partner(partner.pk)
        stored = HealthSnapshot.objects.filter(partner=partner, month=month_start(month)).order_by().first()
        return stored if stored is not None else snapshot(partner, month)


def parts_of(snap: HealthSnapshot) -> list[Part]:
    """The parts as stored in a snapshot, in the formula's order (for the pages: no recomputation)."""
    stored = snap.parts or {}
    return [
        Part(key, (stored.get(key) or {}).get("score"), (stored.get(key) or {}).get("detail", "")) for key in WEIGHTS
    ]


def refresh(partner_id: int, today=None) -> HealthSnapshot | None:
    """Recompute and store the current month's snapshot of one partner (after its inputs changed:
    relations.receivers queues this on commit, once per partner and transaction)."""
    partner = partner_queryset().filter(pk=partner_id).first()
    if partner is None:
        return None
    return snapshot(partner, today or timezone.localdate())


def snapshot_last_months(partner, months=12, today=None) -> list[HealthSnapshot]:
    today = today or timezone.localdate()
    current = month_start(today)
    return [snapshot(partner, current - relativedelta(months=i)) for i in range(months - 1, -1, -1)]


def snapshot_due(partner, today=None, max_months=12) -> list[HealthSnapshot]:
    """The snapshots the daily task owes: this month's (so far), last month's (now complete) and
    every month since the partner's latest earlier snapshot, so that days or weeks of missed runs
    leave no month without its final score (at most `max_months` back)."""
    today = today or timezone.localdate()
    current = month_start(today)
    previous = current - relativedelta(months=1)
    latest = HealthSnapshot.objects.filter(partner=partner, month__lt=current).aggregate(m=Max("month"))["m"]
    first = previous if latest is None else max(min(latest, previous), current - relativedelta(months=max_months - 1))
    months = []
    month = first
    while month <= current:
        months.append(month)
        month += relativedelta(months=1)
    return [snapshot(partner, month) for month in months]


def snapshot_all_due(today=None) -> int:
    """The daily task: every active partner's snapshots that are due (see `snapshot_due`); returns
    the number of partners."""
    today = today or timezone.localdate()
    partners = list(partner_queryset().filter(is_active=True))
    for partner in partners:
        snapshot_due(partner, today)
    return len(partners)
