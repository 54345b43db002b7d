"""Writes of the notifications outbox: create, withdraw and reschedule notifications.

Every app notifies people through `notify()`; nobody sends e-mail directly. The dispatcher
(dispatch.py, run by tasks.dispatch_due_notifications) sends what is due; its entry points are
offered here too, so callers keep one module to import.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partnerportal import policy

from . import kinds
from .dispatch import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_FACTOR,
    STALE_ERROR,
    DispatchResult,
    _email_for,
    _email_options,
    backoff,
    claim_due,
    deliver,
    dispatch_all_due,
    dispatch_due,
    message_id_for,
    preferences_url,
    retry,
)
from .models import Notification, NotificationPreference, NotificationStatus


def _may_receive(user, partner) -> bool:
    """The hard rule holds for e-mail too: never notify a partner user about another partner."""
    if not user.is_active:
        return False
    if partner is None or policy.is_host(user):
        return True
    return policy.is_partner(user) and user.organization_id == partner.pk


def wants_email(user, kind: str) -> bool:
    return not NotificationPreference.objects.filter(user=user, kind=kind, email=False).exists()


def _render(template: str, context: dict) -> tuple[str, str]:
    """Subject (one line, at most 255 characters) and body from `<template>_subject.txt` / `_body.txt`,
    in the active language and time zone."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context).strip()
    return subject[:255], body


def render_for(user, template: str, context: dict) -> tuple[str, str]:
    """Subject and body from `<template>_subject.txt` / `_body.txt` in the user's language."""
    with translation.override(user.language or "en"), timezone.override(user.time_zone or None):
        return _render(template, {**context, "recipient": user})


class _Watched(dict):
    """A template context that notes whether the template looked up `recipient` (the Django engine keeps
    the dict as it is and asks it `key in d`, then `d[key]`). Anything that reads it whole (a copy, its
    keys) counts as reading the recipient too."""

    recipient_read = False

    def __contains__(self, key):
        if key == "recipient":
            self.recipient_read = True
        return super().__contains__(key)

    def __getitem__(self, key):
        if key == "recipient":
            self.recipient_read = True
        return super().__getitem__(key)

    def get(self, key, default=None):
        if key == "recipient":
            self.recipient_read = True
        return super().get(key, default)

    def _read_whole(self):
        self.recipient_read = True

    def __iter__(self):
        self._read_whole()
        return super().__iter__()

    def keys(self):
        self._read_whole()
        return super().keys()

    def items(self):
        self._read_whole()
        return super().items()

    def values(self):
        self._read_whole()
        return super().values()

    def copy(self):
        self._read_whole()
        return super().copy()


class _Texts:
    """The subject and body of one event's notification for each of its recipients: rendered once per
    language and time zone when the template does not look at `recipient` (the same text as rendering
    it for each of them, at a fraction of the cost: a bulk write's breaches have several recipients
    each), else for each recipient. Whether it looks is seen in the first rendering (`_Watched`)."""

    def __init__(self, template: str, context: dict):
        self.template, self.context = template, context
        self.shared: dict[tuple, tuple[str, str]] = {}  # (language, time zone) -> (subject, body)
        self.per_recipient = False

    def for_user(self, user) -> tuple[str, str]:
        where = (user.language or "en", user.time_zone or None)
        if not self.per_recipient and where in self.shared:
            return self.shared[where]
        context = _Watched(self.context)
        context["recipient"] = user
        with translation.override(where[0]), timezone.override(where[1]):
            texts = _render(self.template, context)
        if context.recipient_read:
            self.per_recipient = True
        else:
            self.shared[where] = texts
        return texts


def notify(
    *,
    recipients: Iterable,
    kind: str,
    key: str,
    template: str,
    context: dict | None = None,
    url: str = "",
    partner=None,
    send_at: datetime | None = None,
    attachments: list[dict] | None = None,
    email: bool | None = None,
) -> list[Notification]:
    """Queue one notification per recipient; the same (recipient, key) is never queued twice.

    `key` names the event (e.g. ``meeting:12:reminder:2d``); `template` is a template path prefix
    rendered per recipient in their own language. `email=None` follows each recipient's
    preference for `kind`; False keeps it in the portal inbox only. `attachments` are dicts with
    filename, content (text) and mimetype (e.g. an .ics invitation).
    Returns the notifications created now (existing ones are left as they are).
    """
    created = []
    send_at = send_at or timezone.now()
    seen = set()
    for user in recipients:
        if user.pk in seen or not _may_receive(user, partner):
            continue
        seen.add(user.pk)
        if Notification.objects.filter(recipient=user, key=key).exists():
            continue
        subject, body = render_for(user, template, context or {})
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient=user,
                        key=key,
                        kind=kind,
                        subject=subject,
                        body=body,
                        url=url,
                        partner=partner,
                        send_at=send_at,
                        attachments=attachments or [],
                        email=wants_email(user, kind) if email is None else email,
                    )
                )
        except IntegrityError:
            continue  # created concurrently by another worker: that one counts
    return created


def withdraw(*, key_prefix: str = "", keys: Iterable[str] | None = None, recipients: Iterable | None = None) -> int:
    """Withdraw pending notifications whose key starts with `key_prefix` (e.g. a cancelled meeting) or is
    one of `keys`; with `recipients` (people or their ids), only theirs. Returns how many were withdrawn."""
    if not key_prefix and keys is None:
        raise ValueError("withdraw() needs key_prefix or keys: it never withdraws everything")
    rows = Notification.objects.filter(status=NotificationStatus.PENDING)
    if key_prefix:
        rows = rows.filter(key__startswith=key_prefix)
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    if recipients is not None:
        rows = rows.filter(recipient__in=list(recipients))
    return rows.update(status=NotificationStatus.WITHDRAWN)


def reschedule(*, key: str, send_at: datetime) -> int:
    """Move pending notifications with this exact key to a new send time."""
    return Notification.objects.filter(key=key, status=NotificationStatus.PENDING).update(send_at=send_at)


# --- Inbox and preferences ----------------------------------------------------------------------


def mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(*, notifications) -> int:
    return notifications.filter(read_at__isnull=True).update(read_at=timezone.now())


def set_email_preferences(*, user, email_by_kind: dict[str, bool]) -> None:
    """Save the user's e-mail choice per kind; unknown kinds are refused and nothing is saved.

    Switching a kind off also applies to its messages already queued for the user (a meeting
    reminder queued days ahead): they stay in the portal inbox without an e-mail. Switching on
    leaves queued rows as they are, since some are meant for the inbox only.
    """
    unknown = sorted(kind for kind in email_by_kind if not kinds.is_registered(kind))
    if unknown:
        raise ValidationError(_("Unknown notification kind: %(kinds)s") % {"kinds": ", ".join(unknown)})
    always = {kind.key for kind in kinds.all_kinds() if kind.always_email}
    email_by_kind = {kind: email for kind, email in email_by_kind.items() if kind not in always}
    with transaction.atomic():
        for kind, email in email_by_kind.items():
            NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": bool(email)})
        switched_off = [kind for kind, email in email_by_kind.items() if not email]
        if switched_off:
            Notification.objects.filter(
                recipient=user, kind__in=switched_off, status=NotificationStatus.PENDING, email=True
            ).update(email=False)


# --- Queued notifications of one subject ----------------------------------------------------------


def pending(*, key_prefix: str) -> list[Notification]:
    """The notifications still waiting to be sent whose key starts with `key_prefix`, with their recipients
    (to bring them up to date with `rerender()` or take them back with `withdraw()`)."""
    return list(
        Notification.objects.filter(key__startswith=key_prefix, status=NotificationStatus.PENDING).select_related(
            "recipient"
        )
    )


def rerender(*, notification: Notification, template: str, context: dict, attachments: list[dict] | None = None) -> int:
    """Render a pending notification's subject and body again for its recipient (in their language), with
    new `attachments` when given. Returns 1, or 0 when it is no longer pending (sent or withdrawn meanwhile)."""
    subject, body = render_for(notification.recipient, template, context)
    changes = {"subject": subject, "body": body}
    if attachments is not None:
        changes["attachments"] = attachments
    return Notification.objects.filter(pk=notification.pk, status=NotificationStatus.PENDING).update(**changes)


# The outbox's own writes, and the dispatcher's (dispatch.py) offered here too.
__all__ = [
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_FACTOR",
    "DispatchResult",
    "STALE_ERROR",
    "_email_for",
    "_email_options",
    "backoff",
    "claim_due",
    "deliver",
    "dispatch_all_due",
    "dispatch_due",
    "mark_all_read",
    "mark_read",
    "message_id_for",
    "notify",
    "pending",
    "preferences_url",
    "render_for",
    "rerender",
    "reschedule",
    "retry",
    "set_email_preferences",
    "wants_email",
    "withdraw",
]


# --- Several notifications at once -----------------------------------------------------------------


def notify_many(notices: Iterable[dict]) -> list[Notification]:
    """Queue the notifications of several events at once (e.g. every breach found by one bulk write).

    Each notice is a dict of `notify()`'s keyword arguments (recipients, kind, key, template and
    optionally context, url, partner, send_at, attachments, email), and the same rules hold: one row per
    (recipient, key), never queued twice, no partner user told about another partner, rendered in each
    recipient's language, e-mail by each recipient's preference for the kind. In a constant number of
    queries: the keys already queued in one, the preferences in one, the new rows in one insert that
    skips any row a concurrent writer queued meanwhile (the unique key decides, as in `notify()`).
    Returns the notifications handed to that insert (their ids are not read back).
    """
    notices = list(notices)
    planned = []
    seen = set()
    for notice in notices:
        key, partner = notice["key"], notice.get("partner")
        for user in notice["recipients"]:
            if (user.pk, key) in seen or not _may_receive(user, partner):
                continue
            seen.add((user.pk, key))
            planned.append((user, notice))
    if not planned:
        return []
    user_ids = {user.pk for user, _notice in planned}
    queued = set(
        Notification.objects.filter(recipient_id__in=user_ids, key__in={n["key"] for _u, n in planned}).values_list(
            "recipient_id", "key"
        )
    )
    planned = [(user, notice) for user, notice in planned if (user.pk, notice["key"]) not in queued]
    if not planned:
        return []
    no_email = set(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, kind__in={n["kind"] for _u, n in planned}, email=False
        ).values_list("user_id", "kind")
    )
    now = timezone.now()
    rows = []
    texts: dict[int, _Texts] = {}  # per notice
    for user, notice in planned:
        if id(notice) not in texts:
            texts[id(notice)] = _Texts(notice["template"], notice.get("context") or {})
        subject, body = texts[id(notice)].for_user(user)
        email = notice.get("email")
        rows.append(
            Notification(
                recipient=user,
                key=notice["key"],
                kind=notice["kind"],
                subject=subject,
                body=body,
                url=notice.get("url", ""),
                partner=notice.get("partner"),
                send_at=notice.get("send_at") or now,
                attachments=notice.get("attachments") or [],
                email=(user.pk, notice["kind"]) not in no_email if email is None else email,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


__all__ += ["notify_many"]  # noqa: PLE0605


# --- People without an account, and people who leave ------------------------------------------------


def render_in(language: str, template: str, context: dict) -> tuple[str, str]:
    """Subject and body from `<template>_subject.txt` / `_body.txt` in `language` (someone without an account)."""
    with translation.override(language or "en"):
        return _render(template, context)


def notify_address(*, address: str, language: str, kind: str, key: str, template: str, context: dict | None = None):
    """Queue one e-mail to an address that has no account yet (an invitation), rendered in `language`.

    The dispatcher sends it like any other row (same retries, same Message-ID rule); it has no inbox
    entry. The same (address, key) is never queued twice: returns the new row, or None if it existed.
    """
    address = (address or "").strip()
    if not address:
        raise ValueError("notify_address() needs an address")
    if Notification.objects.filter(recipient__isnull=True, address__iexact=address, key=key).exists():
        return None
    subject, body = render_in(language, template, context or {})
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=None, address=address, key=key, kind=kind, subject=subject, body=body, email=True
            )
    except IntegrityError:
        return None


def withdraw_queued_for(*, user_ids) -> int:
    """Withdraw every notification still waiting to be sent to these people (someone deactivated)."""
    return Notification.objects.filter(status=NotificationStatus.PENDING, recipient_id__in=list(user_ids)).update(
        status=NotificationStatus.WITHDRAWN
    )
