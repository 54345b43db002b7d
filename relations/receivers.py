"""Receivers of the other apps' (and relations' own) writes, connected by `connect()` (called by
RelationsConfig.ready):

- timeline lines for events of the other apps (agreements, meetings, kpis), written as they happen
  (the model classes and their status choices come from the owning apps' selectors);
- the health score: a write of one of its inputs (KPI measurements through the rollup, KPI
  assignments and targets, action items, notices, cases, survey rounds and answers) notes the
  partner, and on commit one Celery task per partner recomputes that partner's snapshot of the
  current month (`refresh_health_on_commit`).
"""

import logging
from datetime import datetime, time

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_noop

from agreements.selectors import AgreementVersion, Signature, VersionStatus
from kpis.selectors import Success
from kpis.signals import rollup_refreshed
from meetings.selectors import ActionItem, Meeting, MeetingStatus

from . import host_kpis, tasks, timeline
from .models import Case, Notice, SurveyResponse, SurveyRound, TimelineCategory

logger = logging.getLogger(__name__)

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


# --- The health score's inputs --------------------------------------------------------------------

PENDING = "relations_health_pending"  # attribute of the database connection: partner ids to refresh


def refresh_health_on_commit(partner_ids, using=None) -> None:
    """Refresh the current month's health snapshot of these partners once the transaction commits:
    each partner once per transaction (one Celery message per REFRESH_BATCH partners), however many
    rows of its inputs the transaction wrote (a bulk import of 100 rows refreshes once). Cheap for
    the writer: a set and a callback.

    Every call registers a callback, and the first one to run at commit dispatches every partner
    noted in the connection's set and empties it: a rolled-back transaction (whose callbacks Django
    drops) can at worst leave ids for the next commit to refresh once more, never lose one."""
    ids = {pk for pk in partner_ids if pk is not None}
    if not ids:
        return
    connection = transaction.get_connection(using)
    connection.__dict__.setdefault(PENDING, set()).update(ids)
    transaction.on_commit(lambda: _dispatch(connection), using=using)


REFRESH_BATCH = 25  # partners per queued message (a whole load still spreads over several workers)


def _dispatch(connection) -> None:
    """One message per REFRESH_BATCH partners (queueing costs about as much per message as the write's
    other work per row: a 100-row post of 17 partners queued 17 messages)."""
    ids = sorted(connection.__dict__.pop(PENDING, set()))
    for at in range(0, len(ids), REFRESH_BATCH):
        batch = ids[at : at + REFRESH_BATCH]
        try:
            tasks.refresh_health_scores.delay(batch)
        except Exception:  # the write is committed; the daily task (or Recompute) catches up
            logger.exception("Could not queue the health score refresh of partners %s", batch)


def _partner_of(instance):
    return instance.partner_id


def _partner_of_answer(instance):
    return SurveyRound.objects.filter(pk=instance.round_id).values_list("partner_id", flat=True).first()


HEALTH_INPUTS = (
    (ActionItem, _partner_of),
    (Notice, _partner_of),
    (Case, _partner_of),
    (SurveyRound, _partner_of),
    (SurveyResponse, _partner_of_answer),
    ("kpis.PartnerKPI", _partner_of),  # shared or not, assigned or not
    ("kpis.KPITarget", _partner_of),
    ("kpis.ScorecardReview", _partner_of),  # a month under review is left out of the KPI parts until final
)


def _health_input_receiver(partner_of):
    def receiver(sender, instance, raw=False, **kwargs):
        if not raw:  # not for fixtures being loaded
            refresh_health_on_commit([partner_of(instance)], using=kwargs.get("using"))

    return receiver


def kpi_rollup_refreshed(sender, keys, **kwargs):
    refresh_health_on_commit({partner_id for partner_id, _kpi_id, _month in keys})


def connect():
    """Listen to the saves that make timeline lines and to the health score's inputs (once per
    process: dispatch_uid)."""
    for model, receiver in (
        (AgreementVersion, agreement_version_saved),
        (Signature, agreement_signed),
        (Success, kpi_success_saved),
        (Meeting, meeting_saved),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"relations-timeline-{model._meta.label}")
    for model, partner_of in HEALTH_INPUTS:
        label = model if isinstance(model, str) else model._meta.label
        receiver = _health_input_receiver(partner_of)
        # weak=False: the receiver is made here and referenced nowhere else.
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"relations-health-save-{label}")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"relations-health-delete-{label}")
    rollup_refreshed.connect(kpi_rollup_refreshed, dispatch_uid="relations-health-kpi-rollup")
    # The host KPIs the portal computes from its notices and cases (relations.host_kpis).
    host_kpis.connect()
