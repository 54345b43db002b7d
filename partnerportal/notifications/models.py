from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Notification(models.Model):
    """One message to one person: a row in the outbox and an entry in their inbox.

    `key` is unique per recipient (e.g. ``meeting:123:review:2d``): whoever creates the same
    notification twice gets the existing row, so retries and parallel workers never duplicate.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=60)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    attachments = models.JSONField(default=list, blank=True)
    send_at = models.DateTimeField(default=timezone.now, db_index=True)
    email = models.BooleanField(default=True, help_text="Also send by e-mail (else in-portal only).")
    status = models.CharField(max_length=12, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-send_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_key")]
        indexes = [
            models.Index(fields=["status", "send_at"], name="notification_due_idx"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient}: {self.subject}"


class NotificationPreference(models.Model):
    """A person's choice to receive a kind of notification in the portal only (no e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=60)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_preference")]
