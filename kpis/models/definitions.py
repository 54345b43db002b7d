"""KPI definitions: what is measured, how it is aggregated and which direction is better."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

from .choices import Aggregation, Direction, MeasuredFrom, Subject


def _tr(text):
    from django.utils.translation import gettext

    return gettext(text) if text else text


class KPIDefinition(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Used in imports and the API."))
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. hours, %, score"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    aggregation = models.CharField(_("aggregation"), max_length=20, choices=Aggregation.choices)
    scale = models.FloatField(
        _("scale"),
        default=1,
        help_text=_("Ratios are multiplied by this factor, e.g. 100 for a percentage."),
    )
    decimals = models.PositiveSmallIntegerField(_("decimals shown"), default=1)
    numerator_label = models.CharField(_("numerator label"), max_length=80, blank=True)
    denominator_label = models.CharField(_("denominator label"), max_length=80, blank=True)
    sample_size_label = models.CharField(_("sample size label"), max_length=80, blank=True)
    how_measured = LimitedTextField(_("how it is measured"), max_length=fields.TEXT)
    why_it_matters = LimitedTextField(_("why it matters"), max_length=fields.TEXT)
    min_value = models.FloatField(_("lowest allowed value"), null=True, blank=True)
    max_value = models.FloatField(_("highest allowed value"), null=True, blank=True)
    is_standard = models.BooleanField(_("standard KPI"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    subject = models.CharField(
        _("whose performance"),
        max_length=10,
        choices=Subject.choices,
        default=Subject.PARTNER,
        help_text=_("The partner's performance towards the host, or the host's own towards the partner."),
    )
    measured_from = models.CharField(
        _("values from"),
        max_length=10,
        choices=MeasuredFrom.choices,
        default=MeasuredFrom.ENTRIES,
        help_text=_(
            "Values the partner submits are accepted from the partner's managers wherever the KPI is assigned; "
            "values computed from the portal's own data cannot be entered."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_standard", "name"]
        verbose_name = _("KPI definition")
        verbose_name_plural = _("KPI definitions")

    def __str__(self):
        return self.display_name

    def clean(self):
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": _("The highest allowed value is below the lowest.")})
        if self.scale is not None and self.scale <= 0:
            raise ValidationError({"scale": _("The scale must be positive.")})
        if self.measured_from == MeasuredFrom.PORTAL and self.subject != Subject.HOST:
            raise ValidationError({"measured_from": _("Only KPIs about the host are computed from the portal's data.")})

    # Standard KPIs' texts are in the message catalogue; custom ones are shown as entered.
    @property
    def display_name(self):
        return _tr(self.name)

    @property
    def display_unit(self):
        return _tr(self.unit)

    @property
    def display_how_measured(self):
        return _tr(self.how_measured)

    @property
    def display_why_it_matters(self):
        return _tr(self.why_it_matters)

    @property
    def is_ratio(self):
        return self.aggregation == Aggregation.RATIO

    @property
    def is_weighted(self):
        return self.aggregation == Aggregation.WEIGHTED_AVERAGE

    @property
    def higher_is_better(self):
        return self.direction == Direction.HIGHER

    @property
    def is_about_host(self):
        return self.subject == Subject.HOST

    @property
    def is_partner_submitted(self):
        return self.measured_from == MeasuredFrom.PARTNER

    @property
    def is_computed(self):
        return self.measured_from == MeasuredFrom.PORTAL
