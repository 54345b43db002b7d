"""The few places where relations reads the agreements, kpis and meetings apps.

Kept in one module so each dependency is visible, and so relations keeps working (with
documented defaults) for a partner that has no active agreement yet.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta

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
    selectors = _module("agreements.selectors")
    if selectors is None:
        return None
    for name in ("active_version_for", "active_version", "active_agreement_version"):
        fn = getattr(selectors, name, None)
        if fn is not None:
            try:
                return fn(partner=partner)
            except TypeError:
                return fn(partner)
    return None


def _rules(version):
    if version is None:
        return []
    for attr in ("channel_rules", "channelrule_set", "channels"):
        manager = getattr(version, attr, None)
        if manager is not None:
            return list(manager.all())
    return []


def _text(value):
    return str(getattr(value, "value", value) or "").lower()


TOPIC_WORDS = {
    "delivery_delay": ("delay", "delivery", "forsinkelse", "notice", "varsel"),
    "capacity": ("capacity", "kapacitet", "notice", "varsel"),
    "quality_deviation": ("quality", "kvalitet", "deviation", "notice", "varsel"),
    "system_outage": ("outage", "system", "it", "nedbrud", "notice", "varsel"),
    "holiday_closure": ("holiday", "closure", "lukning", "ferie", "notice", "varsel"),
    "other": ("other", "general", "notice", "andet", "varsel"),
    "case": ("case", "complaint", "conflict", "escalation", "quality", "sag", "klage"),
}


def channel_rule_for(partner, topic):
    """The channel-matrix row of the partner's active agreement that covers `topic`, if any."""
    words = TOPIC_WORDS.get(topic, (topic,))
    rules = _rules(active_agreement_version(partner))
    for word in words:  # the most specific word first
        for rule in rules:
            if word in _text(getattr(rule, "topic", "")):
                return rule
    return None


def channel_wants_email(partner, topic) -> bool | None:
    """True if the agreement sends this topic by e-mail, False if it names the portal, else None."""
    rule = channel_rule_for(partner, topic)
    if rule is None:
        return None
    channel = _text(getattr(rule, "channel", ""))
    if "mail" in channel:
        return True
    if "portal" in channel:
        return False
    return None


def case_response_hours(partner) -> float:
    rule = channel_rule_for(partner, "case")
    hours = getattr(rule, "response_time", None) if rule is not None else None
    if hours is None and rule is not None:
        hours = getattr(rule, "response_time_hours", None)
    if isinstance(hours, timedelta):
        hours = hours.total_seconds() / 3600
    try:
        hours = float(hours)
    except (TypeError, ValueError):
        return DEFAULT_RESPONSE_HOURS
    return hours if hours > 0 else DEFAULT_RESPONSE_HOURS


@dataclass
class LadderStep:
    level: int
    after_hours: float
    users: list
    target: str


def escalation_ladder(partner) -> list[LadderStep]:
    """The agreement's escalation ladder, or the default one when the partner has none.

    Default: level 1 (host warehouse managers and the partner's managers) after the response
    time; level 2 (admins) after twice the response time.
    """
    from partnerportal import policy
    from partners.models import User
    from partners.selectors import host_managers, people_of

    version = active_agreement_version(partner)
    steps = []
    if version is not None:
        manager = None
        for attr in ("escalation_steps", "escalationstep_set", "escalation"):
            manager = getattr(version, attr, None)
            if manager is not None:
                break
        for step in list(manager.all()) if manager is not None else []:
            user = getattr(step, "user", None)
            contact = getattr(step, "contact", None)
            after = getattr(step, "after_hours", None)
            if isinstance(after, timedelta):
                after = after.total_seconds() / 3600
            users = [user] if user is not None else list(host_managers())
            target = str(user or contact or "")
            steps.append(LadderStep(int(step.level), float(after or 0), users, target))
    if steps:
        return sorted(steps, key=lambda s: s.level)
    hours = case_response_hours(partner)
    level1 = list(host_managers().filter(role=policy.MANAGER)) + list(
        people_of(organization=partner, roles=[policy.PARTNER_MANAGER])
    )
    admins = list(User.objects.filter(is_active=True, role=policy.ADMIN, organization__kind="host"))
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
    return fn(partner=partner, start=start, end=end)


def detected_successes(*, user, partner=None, since=None) -> list[dict]:
    """KPI successes as dicts {title, detail, date}; empty until the kpis app provides them."""
    selectors = _module("kpis.selectors")
    fn = getattr(selectors, "successes_for", None) if selectors else None
    if fn is None:
        return []
    result = []
    for item in fn(user=user, partner=partner, since=since):
        get = item.get if isinstance(item, dict) else lambda k, default=None, i=item: getattr(i, k, default)
        result.append(
            {
                "title": str(get("title", "") or get("text", "") or item),
                "detail": str(get("detail", "") or ""),
                "date": get("date") or get("period_start") or get("period") or get("when"),
                "partner": get("partner"),
            }
        )
    return result


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
