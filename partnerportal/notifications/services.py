"""Writes of the notifications outbox: create, withdraw and reschedule notifications.

Every app notifies people through `notify()`; nobody sends e-mail directly. The dispatcher
(tasks.dispatch_due_notifications) sends what is due, exactly once per (recipient, key).
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from partnerportal import policy

from .models import Notification, NotificationStatus


def _may_receive(user, partner) -> bool:
    """The hard rule holds for e-mail too: never notify a partner user about another partner."""
    if not user.is_active:
        return False
    if partner is None or policy.is_host(user):
        return True
    return policy.is_partner(user) and user.organization_id == partner.pk


def wants_email(user, kind: str) -> bool:
    from .models import NotificationPreference

    return not NotificationPreference.objects.filter(user=user, kind=kind, email=False).exists()


def render_for(user, template: str, context: dict) -> tuple[str, str]:
    """Subject and body from `<template>_subject.txt` / `_body.txt` in the user's language."""
    with translation.override(user.language or "en"), timezone.override(user.time_zone or None):
        full_context = {**context, "recipient": user}
        subject = " ".join(render_to_string(f"{template}_subject.txt", full_context).split())
        body = render_to_string(f"{template}_body.txt", full_context).strip()
    return subject[:255], body


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


def withdraw(*, key_prefix: str) -> int:
    """Withdraw pending notifications whose key starts with `key_prefix` (e.g. a cancelled meeting)."""
    return Notification.objects.filter(key__startswith=key_prefix, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.WITHDRAWN
    )


def reschedule(*, key: str, send_at: datetime) -> int:
    """Move pending notifications with this exact key to a new send time."""
    return Notification.objects.filter(key=key, status=NotificationStatus.PENDING).update(send_at=send_at)
