"""Engagements: save a visit, workshop or training (with its reminder and timeline line) and attach files."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from partnerportal import policy, uploads
from partnerportal.links import absolute
from partnerportal.notifications.services import notify, reschedule, withdraw

from .. import timeline
from ..models import Engagement, EngagementFile, EngagementKind, EngagementStatus, TimelineCategory
from .base import english_label, require, require_partner, validate_upload

ENGAGEMENT_REMINDER = timedelta(days=2)


def _engagement_reminder(engagement):
    key = f"engagement:{engagement.pk}:reminder:2d"
    if engagement.status != EngagementStatus.PLANNED:
        withdraw(key_prefix=f"engagement:{engagement.pk}:reminder")
        return
    send_at = max(engagement.starts_at - ENGAGEMENT_REMINDER, timezone.now())
    if engagement.starts_at <= timezone.now():
        return
    reschedule(key=key, send_at=send_at)
    notify(
        recipients=engagement.participants.all(),
        kind="relations.engagement_reminder",
        key=key,
        template="relations/email/engagement_reminder",
        context={"engagement": engagement, "url": absolute("relations:engagement_detail", engagement.pk)},
        url=engagement.get_absolute_url(),
        partner=engagement.partner,
        send_at=send_at,
    )


@transaction.atomic
def engagement_save(*, user, engagement, participants=None) -> Engagement:
    require(user, policy.CHANGE if engagement.pk else policy.ADD, Engagement)
    require_partner(user, engagement.partner)
    creating = engagement.pk is None
    if creating:
        engagement.created_by = user
    engagement.full_clean()
    engagement.save()
    if participants is not None:
        allowed = [p for p in participants if policy.is_host(p) or p.organization_id == engagement.partner_id]
        if len(allowed) != len(list(participants)):
            raise ValidationError({"participants": _("Participants come from the host or this partner.")})
        engagement.participants.set(allowed)
    _engagement_reminder(engagement)
    timeline.record(
        partner=engagement.partner,
        category=TimelineCategory.ENGAGEMENT,
        title=gettext_noop("%(title)s (%(kind_label)s, %(status_label)s)"),
        params={
            "kind_label": english_label(EngagementKind, engagement.kind),
            "title": engagement.title,
            "status_label": english_label(EngagementStatus, engagement.status),
        },
        key=f"engagement:{engagement.pk}",
        url=engagement.get_absolute_url(),
        occurred_at=engagement.starts_at,
    )
    return engagement


@transaction.atomic
def engagement_attach_file(*, user, engagement, uploaded) -> EngagementFile:
    if not policy.can(user, policy.CHANGE, engagement):
        raise PermissionDenied
    name = validate_upload(uploaded)
    attachment = EngagementFile(engagement=engagement, name=name, size=uploaded.size, uploaded_by=user)
    uploads.save_with_file(attachment, "file", name, uploaded)
    return attachment
