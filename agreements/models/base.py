"""The choices of the agreements models, the life cycle of a version (which status follows which, which
columns each step writes) and the refusal raised when a sealed version would change."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionLocked(ValidationError):
    """A change to a version (or its rows) that is not a draft any more."""

    def __init__(self, message=None):
        super().__init__(
            message or _("This version is no longer a draft and cannot be changed. Start a new draft instead."),
            code="locked",
        )


def is_refusal(error) -> bool:
    """Whether a database error is one of the agreements triggers refusing a change to a sealed version."""
    cause = getattr(error, "__cause__", None)
    return getattr(cause, "sqlstate", None) == "23001" and "agreements:" in str(error)


class Party(models.TextChoices):
    HOST = "host", _("Host")
    PARTNER = "partner", _("Partner")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Sent for sign-off")
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded")
    TERMINATED = "terminated", _("Terminated")


# Statuses a partner user may see (a draft is the host's work in progress).
SENT_STATUSES = (VersionStatus.IN_REVIEW, VersionStatus.ACTIVE, VersionStatus.SUPERSEDED, VersionStatus.TERMINATED)
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)

# Sealed: sent for sign-off or signed. Signed: both parties signed (active and after).
SEALED_STATUSES = SENT_STATUSES
SIGNED_STATUSES = (VersionStatus.ACTIVE, VersionStatus.SUPERSEDED, VersionStatus.TERMINATED)

# The only status changes the model layer accepts.
TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.IN_REVIEW},
    VersionStatus.IN_REVIEW: {VersionStatus.ACTIVE, VersionStatus.DRAFT},
    VersionStatus.ACTIVE: {VersionStatus.SUPERSEDED, VersionStatus.TERMINATED},
    VersionStatus.SUPERSEDED: set(),
    VersionStatus.TERMINATED: set(),
}


# For a sealed version: the columns (besides status) that each status change may write, which are
# the columns the service of that step writes. Everything else stays as it was. Migration 0002
# holds the same table as a PostgreSQL trigger.
SEALED_CHANGES = {
    (VersionStatus.IN_REVIEW, VersionStatus.IN_REVIEW): (),
    (VersionStatus.IN_REVIEW, VersionStatus.DRAFT): ("sent_at", "sent_by_id"),  # version_withdraw
    (VersionStatus.IN_REVIEW, VersionStatus.ACTIVE): ("effective_from", "effective_to", "activated_at"),
    (VersionStatus.ACTIVE, VersionStatus.ACTIVE): (),
    (VersionStatus.ACTIVE, VersionStatus.SUPERSEDED): ("effective_to",),  # a newer version is activated
    (VersionStatus.ACTIVE, VersionStatus.TERMINATED): (  # version_terminate
        "effective_to",
        "terminated_by_id",
        "terminated_at",
        "termination_reason",
    ),
    (VersionStatus.SUPERSEDED, VersionStatus.SUPERSEDED): (),
    (VersionStatus.TERMINATED, VersionStatus.TERMINATED): (),
}


class Topic(models.TextChoices):
    DAILY_OPERATIONS = "daily_operations", _("Daily operations")
    DELIVERY_DELAYS = "delivery_delays", _("Delivery delays")
    QUALITY_DEVIATIONS = "quality_deviations", _("Quality deviations")
    INVOICES = "invoices", _("Invoices")
    ESCALATIONS = "escalations", _("Escalations")
    SYSTEM_OUTAGES = "system_outages", _("System outages")
    FORECASTS = "forecasts", _("Forecasts and capacity")
    OTHER = "other", _("Other")


def topic_order():
    """Order channel rules as the topics are listed (daily operations first), not alphabetically."""
    whens = [models.When(topic=value, then=models.Value(i)) for i, value in enumerate(Topic.values)]
    return models.Case(*whens, default=models.Value(len(whens)), output_field=models.IntegerField())


class Channel(models.TextChoices):
    PORTAL_NOTICE = "portal_notice", _("Portal notice")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    MEETING = "meeting", _("Meeting")
    CHAT = "chat", _("Chat")
