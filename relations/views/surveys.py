"""Surveys: relationship rounds both sides answer, and their results (anonymous ones held back)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import ServiceFormView

from .. import selectors, services
from ..forms import SurveyAnswerForm, SurveyRoundForm
from ..models import SurveyRound
from .common import PagedListView, partner_filter, require_add


class SurveyListView(PagedListView):
    template_name = "relations/survey_list.html"
    model = SurveyRound

    def listing(self, partner):
        user = self.request.user
        return selectors.survey_list(user=user, partner=partner), {
            "open_for_me": selectors.open_surveys_for(user=user),
            "trend": selectors.survey_trend(user=user, partner=partner) if partner else [],
        }


class SurveyCreateView(ServiceFormView):
    form_class = SurveyRoundForm
    template_name = "relations/form.html"
    success_message = _("The survey was created and the invitations queued.")

    def setup_view(self):
        require_add(self.request.user, SurveyRound)
        self.partner = partner_filter(self.request)

    def get_form_kwargs(self):
        return {"user": self.request.user, "partner": self.partner}

    def get_context_data(self, **context):
        return {**context, "title": _("New survey round")}

    def perform(self, form):
        data = form.cleaned_data
        return services.survey_round_create(
            user=self.request.user,
            partner=data["partner"],
            title=data["title"],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            anonymous=data["anonymous"],
        )


class SurveyDetailView(LoginRequiredMixin, TemplateView):
    template_name = "relations/survey_detail.html"

    def get_context_data(self, **kwargs):
        survey = selectors.survey_detail(user=self.request.user, pk=self.kwargs["pk"])
        context = {
            "survey": survey,
            "results": selectors.survey_results(survey=survey),
            "invitation": selectors.invitation_for(user=self.request.user, survey=survey),
            "min_answers": selectors.MIN_ANONYMOUS_ANSWERS,
        }
        if policy.can(self.request.user, "see_progress", survey):
            context.update(selectors.survey_progress(survey=survey))
        return super().get_context_data(**context, **kwargs)


class SurveyAnswerView(ServiceFormView):
    """Answer a round one is invited to, once: a second answer is refused and the first one kept."""

    form_class = SurveyAnswerForm
    template_name = "relations/survey_answer.html"
    success_message = _("Thank you for your answer.")

    def setup_view(self):
        self.survey = selectors.survey_detail(user=self.request.user, pk=self.kwargs["pk"])
        self.invitation = selectors.invitation_for(user=self.request.user, survey=self.survey)
        if self.invitation is None:
            raise PermissionDenied

    def get_form_kwargs(self):
        return {"survey": self.survey, "language": (get_language() or "en")[:2]}

    def get_context_data(self, **context):
        return {**context, "survey": self.survey, "invitation": self.invitation}

    def post(self, request, *args, **kwargs):
        if self.invitation.answered:
            messages.error(request, _("You have already answered this survey. Your answer was kept as it was."))
            return redirect(self.survey)
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        scores = {key: form.cleaned_data[key] for key in form.question_keys}
        services.survey_answer(
            user=self.request.user, survey=self.survey, scores=scores, comment=form.cleaned_data["comment"]
        )
        return self.survey
