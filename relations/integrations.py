"""The few places where relations reads the agreements, kpis and meetings apps.

Kept in one module so each dependency is visible, and so relations keeps working (with
documented defaults) for a partner that has no active agreement yet.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from django.apps import apps

DEFAULT_RESPONSE_HOURS = 24  # when no agreement names a response time for cases


def _module(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def model_or_none(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


# --- agreements ------------------------------------------------------------------------------


def active_agreement_version(partner):
    """The partner's active agreement version (agreements app), or None."""
    model = model_or_none("agreements.AgreementVersion")
    if model is None:
        return None
    return model.objects.filter(agreement__partner=partner, status="active").order_by("-number").first()


# Notice types and cases → the agreement's channel-matrix topics, most specific first.
TOPICS = {
    "delivery_delay": ("delivery_delays", "daily_operations"),
    "capacity": ("forecasts", "daily_operations"),
    "quality_deviation": ("quality_deviations", "daily_operations"),
    "system_outage": ("system_outages", "daily_operations"),
    "holiday_closure": ("daily_operations", "other"),
    "other": ("other", "daily_operations"),
    "case": ("escalations", "quality_deviations", "daily_operations"),
}


def channel_rule_for(partner, topic):
    """The channel-matrix row of the partner's active agreement that covers `topic`, if any."""
    version = active_agreement_version(partner)
    if version is None:
        return None
    rules = {rule.topic: rule for rule in version.channelrule_set.all()}
    for candidate in TOPICS.get(topic, (topic,)):
        if candidate in rules:
            return rules[candidate]
    return None


def channel_wants_email(partner, topic) -> bool | None:
    """True if the agreement sends this topic by e-mail, False if it names the portal, else None."""
    rule = channel_rule_for(partner, topic)
    if rule is None:
        return None
    if rule.channel == "email":
        return True
    if rule.channel == "portal_notice":
        return False
    return None


def case_response_hours(partner) -> float:
    """Hours a case may wait for an answer: the agreement's response time for cases, else 24."""
    rule = channel_rule_for(partner, "case")
    if rule is None or not rule.response_hours:
        return DEFAULT_RESPONSE_HOURS
    return float(rule.response_hours)


@dataclass
class LadderStep:
    level: int
    after_hours: float  # hours without progress after which this level is escalated
    users: list
    target: str


def escalation_ladder(partner) -> list[LadderStep]:
    """When each escalation level is due, counted from the case's last progress.

    With an active agreement: level N is due after the response time for cases plus the step's
    "after hours"; the step's user is notified (a contact without a login is named in the message,
    and the host's warehouse managers are notified in their place). Without an agreement (the
    default): level 1 (host warehouse managers and the partner's managers) after the response time
    (24 h); level 2 (the host's admins) after twice the response time.
    """
    from partnerportal import policy
    from partners.models import User
    from partners.selectors import host_managers, people_of

    hours = case_response_hours(partner)
    version = active_agreement_version(partner)
    steps = []
    if version is not None:
        for step in version.escalationstep_set.select_related("user", "contact").order_by("level"):
            users = [step.user] if step.user_id else list(User.objects.filter(policy.warehouse_managers()))
            steps.append(LadderStep(int(step.level), hours + float(step.after_hours), users, str(step.person or "")))
    if steps:
        return steps
    level1 = list(User.objects.filter(policy.warehouse_managers())) + list(
        people_of(organization=partner, who=policy.partner_managers())
    )
    admins = list(User.objects.filter(policy.administrators()))
    return [
        LadderStep(1, hours, level1, "warehouse managers"),
        LadderStep(2, hours * 2, admins or list(host_managers()), "administrators"),
    ]


# --- kpis ------------------------------------------------------------------------------------


def kpi_attainment(partner, start, end):
    selectors = _module("kpis.selectors")
    fn = getattr(selectors, "kpi_attainment", None) if selectors else None
    if fn is None:
        return None
    # The health score is shown to the partner too: internal KPIs must not feed it.
    return fn(partner=partner, start=start, end=end, shared_only=True)


def detected_successes(*, user, partner=None, since=None) -> list[dict]:
    """KPI successes (kpis.selectors.successes_for, already policy-scoped), newest first, as dicts:
    title, detail, date, partner, and for grouping kind ("record", "streak"), kpi (its name in the
    reader's language), value (shown with its unit) and url (the KPI's chart)."""
    selectors = _module("kpis.selectors")
    fn = getattr(selectors, "successes_for", None) if selectors else None
    if fn is None:
        return []
    if since is not None and hasattr(since, "date") and callable(since.date):
        since = since.date()
    figures = _module("kpis.figures")
    items = []
    for item in fn(user=user, partner=partner, since=since)[:MAX_DETECTED_SUCCESSES]:
        kpi = getattr(item, "kpi", None)
        value = getattr(item, "value", None)
        shown = ""
        if kpi is not None and value is not None and figures is not None:
            shown = f"{figures.shown(value, kpi.decimals)} {kpi.display_unit}".strip()
        items.append(
            {
                "title": str(getattr(item, "title", item)),
                "detail": "",
                "date": getattr(item, "date", None),
                "partner": getattr(item, "partner", None),
                "kind": getattr(item, "kind", ""),
                "kpi": kpi.display_name if kpi is not None else "",
                "kpi_id": getattr(item, "kpi_id", None),
                "value": shown,
                "url": item.get_absolute_url() if hasattr(item, "get_absolute_url") else "",
            }
        )
    return items


MAX_DETECTED_SUCCESSES = 2000  # grouped per partner and KPI on the pages; a bound, not a page size


# --- meetings --------------------------------------------------------------------------------


def action_item_model():
    return model_or_none("meetings.ActionItem")


def action_items_on_time(partner, start, end):
    """(done on time, due) for the partner's action items due in [start, end)."""
    model = action_item_model()
    if model is None:
        return None
    fields = {f.name for f in model._meta.get_fields()}
    qs = model.objects.filter(partner=partner, due_date__gte=start, due_date__lt=end)
    due = qs.count()
    if not due:
        return None
    done_values = ["done", "completed", "closed"]
    done = qs.filter(status__in=done_values)
    for name in ("completed_at", "done_at", "closed_at"):
        if name in fields:
            from django.db.models import F

            done = done.filter(**{f"{name}__date__lte": F("due_date")})
            break
    return done.count(), due
