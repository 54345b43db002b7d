"""The private calendar feed: its settings page and the feed itself."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from partnerportal import policy
from partnerportal.backends import may_sign_in
from partnerportal.views import ServiceFormView

from .. import calendar, selectors, services
from ..forms import FeedForm
from ..models import MeetingSeries


class FeedSettingsView(ServiceFormView):
    """Everyone's own feed: a new secret address (the old one stops working), or none ("revoke")."""

    form_class = FeedForm
    template_name = "meetings/feed_settings.html"
    success_message = _("A new calendar feed address was created; the old one no longer works.")

    def setup_view(self):
        self.feed = services.feed_for(user=self.request.user)

    def get_form_kwargs(self):
        return {"initial": {"include_organised": self.feed.include_organised if self.feed else False}}

    def get_context_data(self, **context):
        feed = self.feed
        return {
            "feed": feed,
            "feed_url": self.request.build_absolute_uri(reverse("meetings:feed", args=[feed.token])) if feed else None,
            "can_organise": policy.allows(self.request.user, "organise", MeetingSeries),
            **context,
        }

    def post(self, request, *args, **kwargs):
        if request.POST.get("op") == "revoke":
            services.feed_revoke(user=request.user)
            messages.success(request, _("Your calendar feed was switched off; the old address no longer works."))
            return redirect("meetings:feed_settings")
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        include = form.cleaned_data["include_organised"]
        return services.feed_regenerate(user=self.request.user, include_organised=include)

    def get_success_url(self, result):
        return reverse("meetings:feed_settings")


class FeedView(View):
    """The private calendar feed: the token is the credential (no session; unknown/revoked → 404)."""

    def get(self, request, token):
        record = selectors.feed_by_token(token=token)
        if record is None or not may_sign_in(record.user):  # a deactivated person or organisation: gone
            raise Http404
        body = calendar.feed_ics(record.user, include_organised=record.include_organised)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="meetings.ics"'
        response["Cache-Control"] = "private, no-store"
        return response
