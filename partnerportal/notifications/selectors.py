"""Reads of the outbox: a person's inbox and their e-mail preferences.

`inbox()` is the one place that says "a person only ever sees their own notifications"; it
starts from the access policy's scope (see policies.py) and narrows it to the recipient.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from partnerportal import policy
from partnerportal.compiled import CompiledQuery

from . import kinds
from .models import Notification, NotificationPreference, NotificationStatus


def inbox(*, user, now: datetime | None = None, unread: bool = False):
    """The user's in-portal notifications that are due (not withdrawn, not scheduled ahead)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user, send_at__lte=now or timezone.now()).exclude(
        status=NotificationStatus.WITHDRAWN
    )
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return policy.scope(user, policy.VIEW, qs).order_by("-send_at", "-id")


def unread_count(*, user) -> int:
    """How many of `inbox()`'s notifications are unread (the header badge; see unread_count_fast below)."""
    return unread_count_fast(user=user)


def notification_for(*, user, pk, action: str = policy.VIEW) -> Notification:
    """One of the user's own notifications; anybody else's (or a guessed id) answers 404."""
    return policy.get_object(user, action, inbox(user=user), pk=pk)


def safe_url(url: str) -> str:
    """The notification's link if it stays inside the portal, else "" (no open redirect).

    Relative paths ("/meetings/12/") and absolute URLs on SITE_URL are kept; absolute URLs on
    SITE_URL are reduced to their path so the browser stays on the host it is on.
    """
    url = (url or "").strip()
    if not url or "\\" in url or any(ord(ch) < 32 for ch in url):
        return ""
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return url if url.startswith("/") and not url.startswith("//") else ""
    site = urlsplit(settings.SITE_URL)
    if parts.scheme in ("http", "https") and (parts.scheme, parts.netloc) == (site.scheme, site.netloc):
        path = parts.path or "/"
        return path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return ""


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    email: bool
    always_email: bool = False


def preferences_for(*, user) -> list[PreferenceRow]:
    """Every registered kind with the user's e-mail choice (default: e-mail on)."""
    choices = dict(
        policy.scope(user, policy.VIEW, NotificationPreference.objects.filter(user=user)).values_list("kind", "email")
    )
    return [
        PreferenceRow(kind.key, kind.label, kind.always_email or choices.get(kind.key, True), kind.always_email)
        for kind in kinds.all_kinds()
    ]


def outbox_overview(*, user, now: datetime | None = None) -> dict | None:
    """For admins: how the e-mail outbox is doing (failed rows stay visible until retried)."""
    if not policy.is_admin(user):
        return None
    now = now or timezone.now()
    rows = policy.scope(user, policy.VIEW, Notification)
    # Only the rows that can count (failed, pending, sent in the last day), through the indexes on
    # status and on the sent rows' sent_at: not every notification ever written.
    counted = rows.filter(
        Q(status__in=[NotificationStatus.FAILED, NotificationStatus.PENDING])
        | Q(status=NotificationStatus.SENT, sent_at__gte=now - timedelta(days=1))
    )
    counts = counted.aggregate(
        failed=Count("id", filter=Q(status=NotificationStatus.FAILED)),
        waiting=Count("id", filter=Q(status=NotificationStatus.PENDING, send_at__lte=now)),
        retrying=Count("id", filter=Q(status=NotificationStatus.PENDING, attempts__gt=0)),
        sent_today=Count("id", filter=Q(status=NotificationStatus.SENT, sent_at__gte=now - timedelta(days=1))),
    )
    failed = rows.filter(status=NotificationStatus.FAILED).select_related("recipient").order_by("-send_at")[:5]
    return {**counts, "failed_rows": list(failed)}


def queued_for(*, key_prefix: str) -> set[tuple[int, str]]:
    """(recipient id, key) of every notification whose key starts with `key_prefix`, whatever became of it:
    what `notify()` would not queue again."""
    return set(Notification.objects.filter(key__startswith=key_prefix).values_list("recipient_id", "key"))


def emailed(*, key_prefixes) -> list[tuple[int, str]]:
    """(recipient id, key) of the e-mails sent (or being sent) whose key starts with one of `key_prefixes`,
    per recipient in the order they were queued."""
    starts = Q()
    for prefix in key_prefixes:
        starts |= Q(key__startswith=prefix)
    if not starts:
        return []
    return list(
        Notification.objects.filter(
            starts, status__in=[NotificationStatus.SENT, NotificationStatus.SENDING], email=True
        )
        .order_by("recipient_id", "created_at", "id")
        .values_list("recipient_id", "key")
    )


def was_queued(*, key: str) -> bool:
    """Whether a notification with this key was queued for anybody, whatever became of it."""
    return Notification.objects.filter(key=key).exists()


# The header badge's count, on every page (issue 16): `inbox()`'s own SQL, compiled once per shape of
# reader (partnerportal.compiled): the rule stays in `inbox()` and the policy, nothing here restates
# it. tests/notifications/test_unread_count.py compares it with the ORM count for every role and state.
_UNREAD = CompiledQuery(
    lambda *, user, ids, now: inbox(user=user, now=now, unread=True).order_by().values_list("pk"), Notification
)


def unread_count_fast(*, user, now: datetime | None = None) -> int:
    """`unread_count()` through the compiled SQL of `inbox()` (one query, as `inbox().count()`)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return _UNREAD.count(user=user, now=now or timezone.now())
