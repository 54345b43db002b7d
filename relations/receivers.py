"""Timeline lines for events of the other apps (agreements, meetings, kpis), written as they happen.

Lazy senders ("app_label.Model") so relations does not import those apps' models at start-up; a
sender whose model does not exist is simply never connected.
"""

from datetime import datetime, time

from django.apps import apps
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import timeline
from .models import TimelineCategory


def _connect(label, receiver):
    try:
        apps.get_model(label)
    except LookupError:
        return
    post_save.connect(receiver, sender=label, dispatch_uid=f"relations-timeline-{label}")


def agreement_version_saved(sender, instance, created, **kwargs):
    partner = instance.agreement.partner
    if instance.status == "draft":
        return
    titles = {
        "in_review": gettext_noop("Agreement version %(n)s sent for sign-off"),
        "active": gettext_noop("Agreement version %(n)s is active"),
        "superseded": gettext_noop("Agreement version %(n)s superseded"),
        "terminated": gettext_noop("Agreement version %(n)s terminated"),
    }
    when = {
        "in_review": instance.sent_at,
        "active": instance.activated_at,
        "terminated": instance.terminated_at,
    }.get(instance.status)
    timeline.record(
        partner=partner,
        category=TimelineCategory.AGREEMENT,
        title=titles.get(instance.status, gettext_noop("Agreement version %(n)s")),
        params={"n": instance.number},
        key=f"agreement-version:{instance.pk}:{instance.status}",
        url=instance.get_absolute_url(),
        occurred_at=when or timezone.now(),
    )


def agreement_signed(sender, instance, created, **kwargs):
    if not created:
        return
    version = instance.version
    timeline.record(
        partner=version.agreement.partner,
        category=TimelineCategory.AGREEMENT,
        title=gettext_noop("Agreement version %(n)s signed by %(who)s"),
        params={"n": version.number, "who": str(instance.user)},
        key=f"agreement-signature:{instance.pk}",
        url=version.get_absolute_url(),
        occurred_at=instance.signed_at,
    )


_connect("agreements.AgreementVersion", agreement_version_saved)
_connect("agreements.Signature", agreement_signed)


def kpi_success_saved(sender, instance, created, **kwargs):
    if not created:
        return
    timeline.record(
        partner=instance.partner,
        category=TimelineCategory.SUCCESS,
        title=instance.text,
        key=f"kpi-success:{instance.pk}",
        url=instance.get_absolute_url(),
        # the period the success is about, not when it was detected (backfilled data detects late)
        occurred_at=timezone.make_aware(datetime.combine(instance.period_start, time(12, 0)))
        if instance.period_start
        else timezone.now(),
        internal=not instance.partner_kpi.shared,
    )


_connect("kpis.Success", kpi_success_saved)


def meeting_saved(sender, instance, created, **kwargs):
    """Held and cancelled meetings are history; planned ones are not on the timeline yet."""
    titles = {
        "held": gettext_noop("Meeting held: %(title)s"),
        "cancelled": gettext_noop("Meeting cancelled: %(title)s"),
    }
    if instance.status not in titles:
        return
    timeline.record(
        partner=instance.partner,
        category=TimelineCategory.MEETING,
        title=titles[instance.status],
        params={"title": instance.title},
        key=f"meeting:{instance.pk}",
        url=instance.get_absolute_url(),
        occurred_at=instance.held_at or instance.start,
    )


_connect("meetings.Meeting", meeting_saved)
