"""The choices the KPI models share: direction, aggregation, period kind, target horizon, source."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    LOWER = "lower", _("Lower is better")
    HIGHER = "higher", _("Higher is better")


class Aggregation(models.TextChoices):
    RATIO = "ratio", _("Ratio (Σ numerator / Σ denominator)")
    WEIGHTED_AVERAGE = "weighted_average", _("Average weighted by sample size")
    SUM = "sum", _("Sum")
    LAST = "last", _("Last value")


class PeriodKind(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Horizon(models.TextChoices):
    SHORT_TERM = "short_term", _("Short term")
    LONG_TERM = "long_term", _("Long term")


class Source(models.TextChoices):
    FORM = "form", _("Form")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    PORTAL = "portal", _("Portal data")


class Subject(models.TextChoices):
    """Whose performance a KPI measures: the partner's towards the host, or the host's towards the partner."""

    PARTNER = "partner", _("The partner")
    HOST = "host", _("The host")


class MeasuredFrom(models.TextChoices):
    """Where a KPI's values come from."""

    ENTRIES = "entries", _("Values entered, imported or sent through the API")
    PARTNER = "partner", _("Values the partner submits")
    PORTAL = "portal", _("Computed from the portal's own data")
