"""What the relationship subjects share: the side (host or partner) something came from, and the
limits of attached files."""

from django.db import models
from django.utils.translation import gettext_lazy as _

ALLOWED_FILE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "xlsx", "csv", "txt", "docx")
MAX_FILE_BYTES = 10 * 1024 * 1024


class Side(models.TextChoices):
    HOST = "host", _("Host")
    PARTNER = "partner", _("Partner")


def side_of(user) -> str:
    from partnerportal import policy

    return Side.HOST if policy.is_host(user) else Side.PARTNER
