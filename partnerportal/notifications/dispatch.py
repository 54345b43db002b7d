"""The dispatcher: claim the due notifications of the outbox and send their e-mails.

tasks.dispatch_due_notifications sends what is due, once per (recipient, key); a dispatcher killed
mid-batch can repeat only the one e-mail in flight, with the same Message-ID.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partnerportal.links import absolute

from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

STALE_ERROR = "The dispatcher stopped before it finished (claim expired); sent again by another one."
BACKOFF_BASE_SECONDS = 60
BACKOFF_FACTOR = 5


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed tries: 1, 5, 25, 125 … minutes."""
    return timedelta(seconds=BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(attempts - 1, 0))


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost_claims: int = 0
    sent_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "claimed": self.claimed,
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "lost_claims": self.lost_claims,
        }


def claim_due(*, batch_size: int = 100, now: datetime | None = None) -> tuple[list[Notification], datetime]:
    """Claim up to `batch_size` due rows for this dispatcher and commit the claim.

    Due: pending with send_at <= now, or stuck in "sending" because the dispatcher that claimed
    them died (claimed longer than NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS ago). The rows are locked
    with SELECT … FOR UPDATE SKIP LOCKED, so a second dispatcher running at the same moment
    skips them and takes the next ones; the status change to "sending" is committed before any
    e-mail goes out, so nobody else sees them as due afterwards. Returns the rows and the claim
    stamp (claimed_at) that identifies this claim.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS)
    due = Q(status=NotificationStatus.PENDING, send_at__lte=now) | Q(
        status=NotificationStatus.SENDING, claimed_at__lt=stale_before
    )
    with transaction.atomic():
        found = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("send_at", "id")
            .values_list("id", "status", "attempts")[:batch_size]
        )
        fresh = [pk for pk, status, _ in found if status == NotificationStatus.PENDING]
        # A row whose dispatcher died counts as a try, so a message that kills the dispatcher
        # every time (too big, a broken attachment) ends as "failed" instead of looping forever.
        stale = [pk for pk, status, attempts in found if status == NotificationStatus.SENDING]
        give_up = [
            pk
            for pk, status, attempts in found
            if status == NotificationStatus.SENDING and attempts + 1 >= settings.NOTIFICATIONS_MAX_ATTEMPTS
        ]
        retry_ids = [pk for pk in stale if pk not in give_up]
        if fresh:
            Notification.objects.filter(id__in=fresh).update(status=NotificationStatus.SENDING, claimed_at=now)
        if retry_ids:
            Notification.objects.filter(id__in=retry_ids).update(
                status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, last_error=STALE_ERROR
            )
        if give_up:
            Notification.objects.filter(id__in=give_up).update(
                status=NotificationStatus.FAILED, claimed_at=None, attempts=F("attempts") + 1, last_error=STALE_ERROR
            )
        ids = fresh + retry_ids
    rows = list(Notification.objects.filter(id__in=ids).select_related("recipient").order_by("send_at", "id"))
    return rows, now


def _mail_domain() -> str:
    """The domain of the portal's e-mails: the sender's, else SITE_URL's host, else this machine's name."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2] if "@" in address else ""
    return (domain or urlsplit(settings.SITE_URL).hostname or str(DNS_NAME)).strip().lower()


def message_id_for(notification: Notification, *, domain: str | None = None) -> str:
    """A Message-ID derived from the notification's unique (recipient, key): the same on every send.

    A message sent again (a dispatcher that died right after sending it, an admin's retry) carries
    the Message-ID of the first, so mail systems and clients can drop the repeat.
    """
    # 128 bits of SHA-256 are unique enough and keep the header on one line (no folding).
    whom = notification.recipient_id if notification.recipient_id is not None else notification.address.lower()
    digest = hashlib.sha256(f"{whom}:{notification.key}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain or _mail_domain()}>"


def preferences_url() -> str:
    return absolute("notifications:preferences")


def _footer(user, url: str) -> str:
    with translation.override(user.language or "en"):
        return "\n\n-- \n" + _("Choose which notifications you receive by e-mail: %(url)s") % {"url": url}


def _email_for(notification: Notification, connection, *, domain: str, settings_url: str) -> EmailMessage | None:
    recipient = notification.recipient
    address = recipient.email if recipient is not None else notification.address
    if not notification.email or not address:
        return None
    # Someone without an account (an invitee) has no preferences page to point to.
    footer = _footer(recipient, settings_url) if recipient is not None else ""
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body + footer,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=connection,
        headers={
            "Message-ID": message_id_for(notification, domain=domain),
            "X-Portal-Notification": notification.key[:200],
            # The way out: the page where people choose what they receive by e-mail.
            **({"List-Unsubscribe": f"<{settings_url}>"} if recipient is not None else {}),
            # Sent by a machine: out-of-office and other automatic replies stay away (RFC 3834).
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "OOF, AutoReply",  # Exchange; bounces still come back
        },
    )
    for attachment in notification.attachments or []:
        message.attach(
            attachment.get("filename") or "attachment",
            attachment.get("content") or "",
            attachment.get("mimetype") or "application/octet-stream",
        )
    return message


def _claimed(notification: Notification, claimed_at: datetime):
    """The row only while it is still claimed by us: a reclaimed row is somebody else's now."""
    return Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING, claimed_at=claimed_at)


def _send(notification: Notification, connection, **email_options) -> str | None:
    """Send the e-mail of one claimed notification (if any); returns the error text or None."""
    try:
        message = _email_for(notification, connection, **email_options)
        if message is not None:
            message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the mail system is retried
        return f"{exc.__class__.__name__}: {exc}"[:2000]
    return None


def _email_options() -> dict:
    return {"domain": _mail_domain(), "settings_url": preferences_url()}


def _record_failure(notification: Notification, *, claimed_at: datetime, error: str, now: datetime) -> str:
    attempts = notification.attempts + 1
    if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        changes = {"status": NotificationStatus.FAILED}
        outcome = "failed"
        logger.error("Notification %s failed for good after %s tries: %s", notification.pk, attempts, error)
    else:
        changes = {"status": NotificationStatus.PENDING, "send_at": now + backoff(attempts)}
        outcome = "retried"
        logger.warning("Notification %s failed (try %s), retrying later: %s", notification.pk, attempts, error)
    updated = _claimed(notification, claimed_at).update(attempts=attempts, last_error=error, claimed_at=None, **changes)
    return outcome if updated else "lost"


def _mark_sent(notification: Notification, *, claimed_at: datetime) -> bool:
    """Mark one row sent if it is still claimed by us (right after its e-mail went out)."""
    return bool(
        _claimed(notification, claimed_at).update(
            status=NotificationStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
    )


def deliver(notification: Notification, *, claimed_at: datetime, connection=None, now: datetime | None = None) -> str:
    """Send one claimed notification and record the outcome; returns sent/retried/failed/lost."""
    error = _send(notification, connection, **_email_options())
    if error is not None:
        return _record_failure(notification, claimed_at=claimed_at, error=error, now=now or timezone.now())
    return "sent" if _mark_sent(notification, claimed_at=claimed_at) else "lost"


def _open(connection) -> None:
    """Open the batch's connection; if the mail server is down, each send tries again and fails on its own."""
    try:
        connection.open()
    except Exception:  # noqa: BLE001 - recorded per notification by the sends that follow
        logger.warning("Could not open the e-mail connection", exc_info=True)


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a broken SMTP connection must not hide the results
        logger.warning("Could not close the e-mail connection", exc_info=True)


def dispatch_all_due(*, batch_size: int = 100, max_batches: int = 20) -> DispatchResult:
    """Send what is due, batch after batch, until a batch comes back short (nothing is left) or
    `max_batches` were sent, so one run of the task stays bounded; the totals of all batches."""
    totals = DispatchResult()
    for _batch in range(max_batches):
        result = dispatch_due(batch_size=batch_size)
        totals.claimed += result.claimed
        totals.sent += result.sent
        totals.retried += result.retried
        totals.failed += result.failed
        totals.lost_claims += result.lost_claims
        if result.claimed < batch_size:
            break
    return totals


def dispatch_due(*, batch_size: int = 100, now: datetime | None = None) -> DispatchResult:
    """Claim one batch of due notifications, send them over one connection and mark each one.

    Each row is marked sent (or retried / failed) right after its own e-mail, in its own
    statement, so a dispatcher that dies mid-batch leaves at most the one message in flight
    (sent, not yet marked) to be sent again after the claim timeout; that repeat carries the same
    Message-ID. The batch shares one mail-server connection, opened before the first e-mail and
    closed after the last; after a failed send it is closed and opened again for the rest.
    """
    rows, claimed_at = claim_due(batch_size=batch_size, now=now)
    result = DispatchResult(claimed=len(rows))
    if not rows:
        return result
    options = _email_options()
    connection = get_connection(fail_silently=False)
    _open(connection)
    try:
        for notification in rows:
            error = _send(notification, connection, **options)
            if error is None:
                if _mark_sent(notification, claimed_at=claimed_at):
                    result.sent += 1
                    result.sent_ids.append(notification.pk)
                else:
                    result.lost_claims += 1
                continue
            outcome = _record_failure(notification, claimed_at=claimed_at, error=error, now=claimed_at)
            if outcome == "retried":
                result.retried += 1
            elif outcome == "failed":
                result.failed += 1
            else:
                result.lost_claims += 1
            # The connection may be broken (the server hung up): start the rest on a fresh one.
            _close(connection)
            _open(connection)
    finally:
        _close(connection)
    return result


def retry(*, notifications) -> int:
    """Give failed (or pending) notifications a fresh start: due now, tries counted from zero."""
    return notifications.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.PENDING]).update(
        status=NotificationStatus.PENDING, attempts=0, send_at=timezone.now(), claimed_at=None, last_error=""
    )
