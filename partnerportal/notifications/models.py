import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from partnerportal import fields
from partnerportal.fields import LimitedTextField


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


SUMMARY_LENGTH = 160
_URL = re.compile(r"https?://", re.IGNORECASE)


def summary_of(body: str, limit: int = SUMMARY_LENGTH) -> str:
    """One short line from an e-mail body, for the inbox: the e-mail without its greeting and its links.

    The first paragraph that says something (not "Hello Anna,"), with every line that carries a URL
    dropped ("See the chart: https://…": the inbox entry links to the object itself). A paragraph that
    ends in a colon ("Anna raised a case:") takes the first line of the next one with it.
    """
    paragraphs = [
        [line.strip() for line in block.splitlines() if line.strip() and not _URL.search(line)]
        for block in re.split(r"\n\s*\n", body or "")
    ]
    paragraphs = [lines for lines in paragraphs if lines]
    if len(paragraphs) > 1 and len(paragraphs[0]) == 1 and paragraphs[0][0].endswith(","):
        paragraphs = paragraphs[1:]  # the greeting
    if not paragraphs:
        return ""
    lines = paragraphs[0]
    if lines[-1].endswith(":") and len(paragraphs) > 1:
        lines = [*lines, paragraphs[1][0]]
    return Truncator(" ".join(lines)).chars(limit)


class Notification(models.Model):
    """One message to one person: a row in the outbox and an entry in their inbox.

    `key` is unique per recipient (e.g. ``meeting:123:review:2d``): whoever creates the same
    notification twice gets the existing row, so retries and parallel workers never duplicate.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
        verbose_name=_("recipient"),
    )
    # An e-mail to someone without an account yet (an invitation): no recipient, no inbox entry.
    address = models.EmailField(_("address"), blank=True)
    key = models.CharField(_("key"), max_length=200)
    kind = models.CharField(_("kind"), max_length=60)
    subject = models.CharField(_("subject"), max_length=255)
    # Rendered by the portal from texts that have limits of their own (minutes and decisions at most).
    body = LimitedTextField(_("text"), max_length=fields.NOTIFICATION)
    url = models.CharField(_("link"), max_length=500, blank=True)
    partner = models.ForeignKey(
        "partners.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    send_at = models.DateTimeField(_("send at"), default=timezone.now, db_index=True)
    email = models.BooleanField(
        _("e-mail"), default=True, help_text=_("Also send by e-mail (else in the portal only).")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = LimitedTextField(_("last error"), max_length=fields.TEXT, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-send_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_key"),
            models.UniqueConstraint(
                fields=["address", "key"], condition=Q(recipient__isnull=True), name="unique_address_notification_key"
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(address=""), name="notification_has_recipient_or_address"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "send_at"], name="notification_due_idx"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            # The dashboard's "sent in the last 24 hours" (sent rows pile up; the others do not).
            models.Index(fields=["sent_at"], name="notification_sent_idx", condition=Q(status="sent")),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient or self.address}: {self.subject}"

    @property
    def summary(self) -> str:
        """The inbox's short text (derived from the stored e-mail body, in the recipient's language)."""
        return summary_of(self.body)


class NotificationPreference(models.Model):
    """A person's choice to receive a kind of notification in the portal only (no e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    email = models.BooleanField(_("e-mail"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_preference")]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user}: {self.kind} ({'e-mail' if self.email else 'portal only'})"
