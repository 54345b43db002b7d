"""Notices: post one (told to the other side, by e-mail when the agreement's channel matrix asks) and acknowledge it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import selectors as agreement_selectors
from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify

from ..models import Notice, NoticeKind, Severity, TimelineCategory, side_of
from .base import acknowledge, announce, require, require_partner

# Notice types → the topics of the agreement's channel matrix (agreements' Topic keys), most specific first.
NOTICE_TOPICS = {
    NoticeKind.DELIVERY_DELAY: ("delivery_delays", "daily_operations"),
    NoticeKind.CAPACITY: ("forecasts", "daily_operations"),
    NoticeKind.QUALITY: ("quality_deviations", "daily_operations"),
    NoticeKind.OUTAGE: ("system_outages", "daily_operations"),
    NoticeKind.CLOSURE: ("daily_operations", "other"),
    NoticeKind.OTHER: ("other", "daily_operations"),
}


@transaction.atomic
def notice_post(
    *,
    user,
    partner,
    kind,
    severity,
    title,
    affected_from,
    affected_until=None,
    description="",
    mitigation="",
) -> Notice:
    require(user, policy.ADD, Notice)
    require_partner(user, partner)
    notice = Notice(
        partner=partner,
        side=side_of(user),
        kind=kind,
        severity=severity,
        title=title,
        description=description,
        affected_from=affected_from,
        affected_until=affected_until,
        mitigation=mitigation,
        posted_by=user,
        posted_at=timezone.now(),
    )
    notice.full_clean()
    notice.save()
    by_email = agreement_selectors.channel_by_email(partner=partner, topics=NOTICE_TOPICS[kind])
    # High severity (or the channel matrix) asks for an e-mail; a person who switched notice
    # e-mails off on their preferences page still gets none (email=None follows the preference).
    email = None if severity == Severity.HIGH or by_email else False
    announce(
        notice,
        kind="relations.notice",
        key=f"notice:{notice.pk}:posted",
        template="relations/email/notice",
        link=("relations:notice_detail", notice.pk),
        category=TimelineCategory.NOTICE,
        title=gettext_noop("Notice: %(title)s"),
        occurred_at=notice.posted_at,
        email=email,
    )
    return notice


@transaction.atomic
def notice_acknowledge(*, user, notice) -> Notice:
    """The other side confirms it has seen the notice (once; who and when are kept)."""
    notice = acknowledge(
        Notice,
        notice,
        user=user,
        already_done=_("This notice was already acknowledged by %(name)s."),
        own_side=_("Your side posted this notice; the other side acknowledges it."),
    )
    notify(
        recipients=[notice.posted_by],
        kind="relations.notice_ack",
        key=f"notice:{notice.pk}:acknowledged",
        template="relations/email/notice_ack",
        context={"notice": notice, "url": absolute("relations:notice_detail", notice.pk)},
        url=notice.get_absolute_url(),
        partner=notice.partner,
        email=False,
    )
    return notice
