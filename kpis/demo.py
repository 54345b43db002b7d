"""Demo KPIs: the four standard KPIs for every demo partner, targets, two years of weekly measurements.

Each partner has its own story, so the portfolio, the dashboard's lowest scores and the health
scores differ (the latest complete month, November on 1 December):
- DanLog improves steadily over the two years, with one bad month (eight months ago) that crosses
  every critical threshold: on target now.
- Jysk Fragt improved for a year and a half and has been slipping since the summer: delivery time
  and customer satisfaction are in the warning band, and worsening.
- Emballage Nord was fine until October; then delivery time collapsed: critical now, with the
  error rate and satisfaction in the warning band.
- CleanTech had a poor start and is recovering: the error rate is still in the warning band,
  improving; inventory turnover has just reached its target.

The random noise is seeded per partner, so every run writes the same numbers. Idempotent: a
partner that already has measurements is left as it is.
"""

import random
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from . import alerts, rollups
from .models import KPIDefinition, KPITarget, Measurement, PartnerKPI, PeriodKind, Source

# code: (target, warning, critical, start level, end level)
TARGETS = {
    "delivery-time": (24.0, 28.0, 36.0, 34.0, 21.0),
    "error-rate": (0.5, 0.8, 1.5, 1.1, 0.35),
    "inventory-turnover": (10.0, 9.0, 7.0, 8.0, 11.5),
    "customer-satisfaction": (4.2, 4.0, 3.5, 3.8, 4.45),
}
WEEKS = 104

# Per partner: the level of each KPI as knots (weeks ago, level), straight lines between them (a KPI
# not named goes from its start to its end level of TARGETS), and the bad months: {months ago: the
# KPIs that went past the critical threshold that month (None: all)}.
PROFILES = {
    "DanLog 3PL A/S": {"knots": {}, "bad_months": {8: None}},
    "Jysk Fragt ApS": {
        "knots": {
            "delivery-time": [(103, 33.0), (30, 22.5), (16, 23.5), (0, 31.5)],
            "error-rate": [(103, 0.9), (0, 0.42)],
            "inventory-turnover": [(103, 9.2), (0, 10.6)],
            "customer-satisfaction": [(103, 4.0), (24, 4.35), (0, 3.8)],
        },
        "bad_months": {11: ["delivery-time"]},  # the snow in January
    },
    "Emballage Nord A/S": {
        "knots": {
            "delivery-time": [(103, 30.0), (20, 22.0), (10, 23.0), (4, 34.0), (0, 45.0)],
            "error-rate": [(103, 0.7), (12, 0.42), (0, 1.15)],
            "inventory-turnover": [(103, 9.4), (0, 10.9)],
            "customer-satisfaction": [(103, 4.05), (12, 4.35), (0, 3.7)],
        },
        "bad_months": {},
    },
    "CleanTech Service": {
        "knots": {
            "delivery-time": [(103, 27.0), (0, 23.0)],
            "error-rate": [(103, 1.65), (40, 1.35), (0, 0.98)],
            "inventory-turnover": [(103, 7.3), (0, 9.5)],
            "customer-satisfaction": [(103, 4.1), (0, 4.3)],
        },
        "bad_months": {},
    },
}


def level_at(knots, weeks_ago):
    """The level on the straight line between the knots around `weeks_ago` (knots: newest last)."""
    knots = sorted(knots, key=lambda knot: -knot[0])
    if weeks_ago >= knots[0][0]:
        return knots[0][1]
    for (older, older_level), (newer, newer_level) in zip(knots, knots[1:], strict=False):
        if newer <= weeks_ago <= older:
            return newer_level + (older_level - newer_level) * (weeks_ago - newer) / (older - newer)
    return knots[-1][1]


def seed(demo):
    users = demo.objects.get("users", {})
    lager = users.get("lager")
    kpis = {k.code: k for k in KPIDefinition.objects.filter(code__in=TARGETS)}
    today = timezone.localdate()
    last_monday = today - timedelta(days=today.weekday() + 7)
    first_monday = last_monday - timedelta(weeks=WEEKS - 1)
    this_month = today.replace(day=1)
    partner_users = {
        "DanLog 3PL A/S": users.get("danlog"),
        "Jysk Fragt ApS": users.get("jysk"),
        "Emballage Nord A/S": users.get("emballage"),
        "CleanTech Service": users.get("clean"),
    }
    for index, partner in enumerate(demo.objects.get("partners", [])):
        assignments = {}
        for code, kpi in kpis.items():
            assignment, _ = PartnerKPI.objects.get_or_create(
                partner=partner,
                kpi=kpi,
                defaults={
                    "shared": True,
                    "partner_can_submit": code in ("delivery-time", "error-rate"),
                    "weight": 2 if code in ("delivery-time", "error-rate") else 1,
                    "responsible_host": lager,
                    "responsible_partner": partner_users.get(partner.name),
                },
            )
            assignments[code] = assignment
            target, warning, critical, _start, _end = TARGETS[code]
            if not assignment.targets.exists():
                # An older, looser target (history) and the current one.
                looser = target * (1.25 if not kpi.higher_is_better else 0.85)
                KPITarget.objects.create(
                    partner_kpi=assignment,
                    horizon="short_term",
                    value=round(looser, 2),
                    warning=round((looser + critical) / 2, 2),
                    critical=critical,
                    valid_from=first_monday,
                    valid_to=first_monday + timedelta(weeks=52) - timedelta(days=1),
                    created_by=lager,
                )
                KPITarget.objects.create(
                    partner_kpi=assignment,
                    horizon="short_term",
                    value=target,
                    warning=warning,
                    critical=critical,
                    valid_from=first_monday + timedelta(weeks=52),
                    created_by=lager,
                )
                KPITarget.objects.create(
                    partner_kpi=assignment,
                    horizon="long_term",
                    value=round(target * (0.9 if not kpi.higher_is_better else 1.08), 2),
                    valid_from=first_monday + timedelta(weeks=52),
                    created_by=lager,
                )
        if Measurement.objects.filter(partner=partner).exists():
            continue
        rng = random.Random(1000 + index)
        profile = PROFILES.get(partner.name, {"knots": {}, "bad_months": {}})
        bad_months = {this_month - relativedelta(months=ago): codes for ago, codes in profile["bad_months"].items()}
        rows = []
        for week in range(WEEKS):
            monday = first_monday + timedelta(weeks=week)
            weeks_ago = WEEKS - 1 - week
            bad = bad_months.get(monday.replace(day=1), ())
            for code, kpi in sorted(kpis.items()):
                _t, _w, critical, start, end = TARGETS[code]
                level = level_at(profile["knots"].get(code) or [(WEEKS - 1, start), (0, end)], weeks_ago)
                if bad is None or code in bad:
                    level = critical * (1.3 if not kpi.higher_is_better else 0.8)
                level *= 1 + rng.uniform(-0.06, 0.06)
                row = Measurement(
                    partner=partner,
                    kpi=kpi,
                    period_kind=PeriodKind.WEEK,
                    period_start=monday,
                    source=Source.IMPORT,
                    entered_by=lager,
                    value=0,
                )
                if code == "delivery-time":
                    row.sample_size = rng.randint(300, 700)
                    row.value = round(level, 2)
                elif code == "customer-satisfaction":
                    row.sample_size = rng.randint(15, 60)
                    row.value = round(min(5.0, max(1.0, level)), 2)
                elif code == "error-rate":
                    lines = rng.randint(6000, 12000)
                    row.numerator = round(lines * level / 100)
                    row.denominator = lines
                    row.value = row.numerator / row.denominator * 100
                else:  # inventory turnover: weekly COGS and inventory value × 7 days
                    inventory = rng.uniform(1.8e6, 2.2e6)
                    row.denominator = round(inventory * 7)
                    row.numerator = round(level * row.denominator / 365)
                    row.value = row.numerator / row.denominator * 365
                rows.append(row)
        Measurement.objects.bulk_create(rows, batch_size=1000)
        keys = {(r.partner_id, r.kpi_id, r.period_start) for r in rows}
        rollups.refresh(keys)
        # Successes and alerts are judged as data arrives; for the demo, the last months' arrival.
        recent = today - relativedelta(months=4)
        alerts.after_write({k for k in keys if k[2] >= recent or k[2].replace(day=1) in bad_months})


# --- KPIs about the host ("How we do") ------------------------------------------------------------

# code: (target, warning, critical); the first two demo partners agree them, and their partner manager
# has submitted the last HOST_MONTHS complete months through the same service as the form and the import.
HOST_TARGETS = {
    "forecast-accuracy": (90.0, 85.0, 75.0),
    "on-time-payment": (98.0, 95.0, 90.0),
    "host-response-time": (8.0, 24.0, 48.0),  # computed by relations.host_kpis from notices and cases
}
HOST_PARTNERS = ("DanLog 3PL A/S", "Jysk Fragt ApS")
HOST_MONTHS = 6


def assign_host_kpis(partner, *, by, responsible_partner=None) -> list:
    """The standard host KPIs (HOST_TARGETS) agreed with `partner`, each with its target from a year ago
    when the assignment is new (idempotent: an existing assignment is kept). The KPI definitions, by code."""
    this_month = timezone.localdate().replace(day=1)
    kpis = list(KPIDefinition.objects.filter(code__in=HOST_TARGETS).order_by("code"))
    for kpi in kpis:
        assignment, created = PartnerKPI.objects.get_or_create(
            partner=partner,
            kpi=kpi,
            defaults={
                "shared": True,
                "partner_can_submit": kpi.is_partner_submitted,
                "responsible_host": by,
                "responsible_partner": responsible_partner,
            },
        )
        if created:
            target, warning, critical = HOST_TARGETS[kpi.code]
            KPITarget.objects.create(
                partner_kpi=assignment,
                horizon="short_term",
                value=target,
                warning=warning,
                critical=critical,
                valid_from=this_month - relativedelta(months=12),
                created_by=by,
            )
    return kpis


def seed_host_kpis(demo):
    """Idempotent: an assignment that exists is kept, and values already submitted count as unchanged."""
    from .services import MeasurementInput, measurements_upsert

    users = demo.objects.get("users", {})
    lager = users.get("lager")
    submitters = {"DanLog 3PL A/S": users.get("danlog"), "Jysk Fragt ApS": users.get("jysk")}
    this_month = timezone.localdate().replace(day=1)
    for index, partner in enumerate(p for p in demo.objects.get("partners", []) if p.name in HOST_PARTNERS):
        items = []
        rng = random.Random(2000 + index)
        for kpi in assign_host_kpis(partner, by=lager, responsible_partner=submitters.get(partner.name)):
            code = kpi.code
            if not kpi.is_partner_submitted:
                continue
            for ago in range(HOST_MONTHS, 0, -1):
                month = this_month - relativedelta(months=ago)
                lines = rng.randint(80, 140)
                share = {"forecast-accuracy": rng.uniform(0.8, 0.95), "on-time-payment": rng.uniform(0.9, 1.0)}[code]
                items.append(
                    MeasurementInput(
                        partner=partner,
                        kpi=kpi,
                        period_kind=PeriodKind.MONTH,
                        period_start=month,
                        numerator=round(lines * share),
                        denominator=lines,
                    )
                )
        submitter = submitters.get(partner.name)
        if items and submitter is not None:
            measurements_upsert(user=submitter, items=items, source=Source.FORM)


def seed_reviews(demo):
    """The monthly scorecard review: last month proposed to every demo partner; DanLog's partner manager
    disputes its error rate with their own count and raises it to the next meeting. Idempotent."""
    from . import reviews
    from .models import ScorecardDispute, ScorecardReview

    reviews.propose_closed_month()
    danlog = next((p for p in demo.objects.get("partners", []) if p.name == "DanLog 3PL A/S"), None)
    submitter = demo.objects.get("users", {}).get("danlog")
    if danlog is None or submitter is None:
        return
    review = ScorecardReview.objects.filter(partner=danlog).order_by("-month").first()
    error = PartnerKPI.objects.filter(partner=danlog, kpi__code="error-rate", shared=True).first()
    if review is None or error is None or ScorecardDispute.objects.filter(review=review).exists():
        return
    dispute = reviews.dispute_open(
        user=submitter,
        review=review,
        partner_kpi=error,
        reason="Our own scan log counts fewer errors: two returns were booked twice.",
        measured_value=0.3,
    )
    reviews.dispute_raise(user=submitter, dispute=dispute)
