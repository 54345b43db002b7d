"""Templates of the collaboration agreement that admins keep, and their revisions.

A template is a name and a flag (the default); its content lives in revisions. Each saved change
is a new revision holding the whole content (the four parts and the review interval), so what
changed between two revisions can always be shown, and an agreement remembers the revision it was
built from (`AgreementVersion.template_revision`). A revision never changes once written.

The parts have the shapes of a version's rows (agreements.models.rows), without the people: a
template names the side (host or partner), and the people are chosen when a draft is built from it.
Their rules are the row models' own (agreements.templates.validate_part_row).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

# The parts of a template's content, in the order pages show them.
TEMPLATE_PARTS = ("responsibilities", "channels", "escalation", "kpis")


class AgreementTemplate(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = LimitedTextField(_("description"), max_length=fields.SHORT_TEXT, blank=True)
    is_default = models.BooleanField(
        _("default template"), default=False, help_text=_("Offered first when a new agreement is started.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_agreement_template",
                violation_error_message=_("Only one template can be the default."),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("agreements:template", args=[self.pk])

    def latest_revision(self):
        return self.revisions.order_by("-number").first()


class TemplateRevisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(AgreementTemplateRevision.KEPT_MESSAGE)

    update.queryset_only = True


class AgreementTemplateRevision(models.Model):
    """The content of a template as saved once: kept as written, so differences can be shown."""

    KEPT_MESSAGE = _("A revision of a template is kept as it was saved; save the template to make a new one.")

    template = models.ForeignKey(
        AgreementTemplate, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("template")
    )
    number = models.PositiveIntegerField(_("revision"))
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("The review date of a new agreement lies this many months ahead."),
    )
    responsibilities = models.JSONField(_("roles and responsibilities"), default=list, blank=True)
    channels = models.JSONField(_("channel matrix"), default=list, blank=True)
    escalation = models.JSONField(_("escalation ladder"), default=list, blank=True)
    kpis = models.JSONField(_("standard KPIs"), default=list, blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    objects = TemplateRevisionQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["template", "-number"]
        verbose_name = _("template revision")
        verbose_name_plural = _("template revisions")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="unique_agreement_template_revision"),
            models.CheckConstraint(
                condition=Q(review_interval_months__gte=1) & Q(review_interval_months__lte=60),
                name="agreement_template_review_interval_range",
            ),
        ]

    def __str__(self):
        return _("%(template)s, revision %(number)s") % {"template": self.template.name, "number": self.number}

    def content(self) -> dict:
        """What the revision holds, part by part (compared to tell whether a save changed anything)."""
        return {
            "review_interval_months": self.review_interval_months,
            **{part: getattr(self, part) for part in TEMPLATE_PARTS},
        }

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk).exists():
            raise ValidationError(self.KEPT_MESSAGE)
        super().save(*args, **kwargs)

    save.alters_data = True
