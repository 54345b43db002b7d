"""Relationship surveys: the question template, rounds, invitations and (possibly anonymous) answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

from .base import Side

MIN_ANSWERS_PER_SIDE = 3


class SurveyQuestion(models.Model):
    """The editable default template: one 1–5 scale question per row (admins edit them)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    text_en = models.CharField(_("question (English)"), max_length=200)
    text_da = models.CharField(_("question (Danish)"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self):
        return self.text_en


class SurveyRound(models.Model):
    """One survey for one partner, sent to people on both sides. Questions are copied at creation."""

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="survey_rounds", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=200)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    anonymous = models.BooleanField(_("anonymous"), default=True)
    questions = models.JSONField(_("questions"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="survey_round_dates")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("relations:survey_detail", args=[self.pk])

    def is_open(self, today=None):
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on

    def results_released(self, today=None) -> bool:
        """Named rounds show results as answers come in. Anonymous rounds only once closed: results
        that move answer by answer would give each new answer away by subtraction."""
        return not self.anonymous or (today or timezone.localdate()) > self.closes_on

    def side_shown(self, answers: int, today=None) -> bool:
        """May one side's results (means and comments) be shown, with `answers` answers on that side?"""
        if not self.results_released(today):
            return False
        return not self.anonymous or answers >= MIN_ANSWERS_PER_SIDE


class SurveyInvitation(models.Model):
    """Who was asked and whether they answered. Deliberately no time and no link to the answer."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=10, choices=Side.choices)
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="survey_invitation_once")]

    def __str__(self):
        return f"{self.round_id}: {self.user_id}"


class SurveyResponse(models.Model):
    """An answer. In anonymous rounds `respondent` is empty and nothing else points at the person:
    no timestamp finer than the day, no history table, and the invitation only says 'answered'."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")
    side = models.CharField(max_length=10, choices=Side.choices)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scores = models.JSONField(default=dict)
    comment = LimitedTextField(_("comment"), max_length=fields.TEXT, blank=True)
    submitted_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "respondent"], condition=Q(respondent__isnull=False), name="survey_response_once"
            )
        ]

    def __str__(self):
        return f"{self.round_id}: {self.side}"
