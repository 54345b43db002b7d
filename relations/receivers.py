"""Timeline lines for events of the other apps (agreements, meetings, kpis), written as they happen.

`connect()` (called by RelationsConfig.ready) listens to those apps' model saves; the model classes
and their status choices come from the owning apps' selectors.
"""

from datetime import datetime, time

from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_noop

from agreements.selectors import AgreementVersion, Signature, VersionStatus
from kpis.selectors import Success
from meetings.selectors import Meeting, MeetingStatus

from . import timeline
from .models import TimelineCategory

AGREEMENT_TITLES = {
    VersionStatus.IN_REVIEW: gettext_noop("Agreement version %(n)s sent for sign-off"),
    VersionStatus.ACTIVE: gettext_noop("Agreement version %(n)s is active"),
    VersionStatus.SUPERSEDED: gettext_noop("Agreement version %(n)s superseded"),
    VersionStatus.TERMINATED: gettext_noop("Agreement version %(n)s terminated"),
}
MEETING_TITLES = {
    MeetingStatus.HELD: gettext_noop("Meeting held: %(title)s"),
    MeetingStatus.CANCELLED: gettext_noop("Meeting cancelled: %(title)s"),
}


def agreement_version_saved(sender, instance, created, **kwargs):
    if instance.status == VersionStatus.DRAFT:
        return
    when = {
        VersionStatus.IN_REVIEW: instance.sent_at,
        VersionStatus.ACTIVE: instance.activated_at,
        VersionStatus.TERMINATED: instance.terminated_at,
    }.get(instance.status)
    timeline.record(
        partner=instance.agreement.partner,
        category=TimelineCategory.AGREEMENT,
        title=AGREEMENT_TITLES.get(instance.status, gettext_noop("Agreement version %(n)s")),
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


def meeting_saved(sender, instance, created, **kwargs):
    """Held and cancelled meetings are history; planned ones are not on the timeline yet."""
    if instance.status not in MEETING_TITLES:
        return
    timeline.record(
        partner=instance.partner,
        category=TimelineCategory.MEETING,
        title=MEETING_TITLES[instance.status],
        params={"title": instance.title},
        key=f"meeting:{instance.pk}",
        url=instance.get_absolute_url(),
        occurred_at=instance.held_at or instance.start,
    )


def connect():
    """Listen to the saves that make timeline lines (once per process: dispatch_uid)."""
    for model, receiver in (
        (AgreementVersion, agreement_version_saved),
        (Signature, agreement_signed),
        (Success, kpi_success_saved),
        (Meeting, meeting_saved),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"relations-timeline-{model._meta.label}")
