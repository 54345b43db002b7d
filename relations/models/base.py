"""What the relationship subjects share: the side (host or partner) something came from, who
acknowledged it, and attached files with their limits."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ALLOWED_FILE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "xlsx", "csv", "txt", "docx")
MAX_FILE_BYTES = 10 * 1024 * 1024


class Side(models.TextChoices):
    HOST = "host", _("Host")
    PARTNER = "partner", _("Partner")


def side_of(user) -> str:
    from partnerportal import policy

    return Side.HOST if policy.is_host(user) else Side.PARTNER


def acknowledged_by_field():
    """Who on the other side acknowledged the subject (empty until someone does)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )


class AttachedFile(models.Model):
    """A file attached to a subject: the subclass adds the subject, the file and its name."""

    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name
