"""Inbox and preferences pages. Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.htmx import announce
from partnerportal.views import ServiceActionView, flash_service_errors

from . import selectors, services

PAGE_SIZE = 25


class InboxView(LoginRequiredMixin, TemplateView):
    http_method_names = ["get"]
    template_name = "notifications/inbox.html"

    def get_context_data(self, **kwargs):
        unread_only = self.request.GET.get("show") == "unread"
        notifications = selectors.inbox(user=self.request.user, unread=unread_only)
        return super().get_context_data(
            page=Paginator(notifications, PAGE_SIZE).get_page(self.request.GET.get("page")),
            unread_only=unread_only,
            query="show=unread" if unread_only else "",
            **kwargs,
        )


class InboxActionView(ServiceActionView):
    """A button about one's notifications: back to the inbox afterwards."""

    def get_success_url(self, obj, result):
        return reverse("notifications:inbox")

    def get_failure_url(self, obj):
        return reverse("notifications:inbox")


class MarkReadView(InboxActionView):
    """Mark one of one's notifications read; with htmx the answer is the row and the header count."""

    def get_object(self):
        return selectors.notification_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)

    def perform(self, notification):
        return services.mark_read(notification=notification)

    def post(self, request, *args, **kwargs):
        if not request.htmx:
            return super().post(request, *args, **kwargs)
        notification = self.perform(self.get_object())
        response = render(
            request,
            "notifications/_mark_read_response.html",
            {"notification": notification, "unread_count": selectors.unread_count(user=request.user)},
        )
        return announce(response, _("Marked as read."))


class MarkAllReadView(InboxActionView):
    """Mark everything in one's inbox read (says so when there was anything unread)."""

    def get_object(self):
        return selectors.inbox(user=self.request.user)

    def perform(self, notifications):
        return services.mark_all_read(notifications=notifications)

    def get_success_message(self, notifications, count):
        return _("All notifications are marked as read.") if count else ""


class OpenNotificationView(LoginRequiredMixin, View):
    """Mark read and go to what the notification is about (inside the portal only)."""

    http_method_names = ["get"]

    def get(self, request, pk):
        notification = services.mark_read(
            notification=selectors.notification_for(user=request.user, pk=pk, action=policy.CHANGE)
        )
        target = selectors.safe_url(notification.url)
        return redirect(target or "notifications:inbox")


class PreferencesView(LoginRequiredMixin, View):
    """One's e-mail choice per notification kind; a refused save shows why and changes nothing."""

    http_method_names = ["get", "post"]
    template_name = "notifications/preferences.html"

    def render_page(self, status=200):
        rows = selectors.preferences_for(user=self.request.user)
        return render(self.request, self.template_name, {"rows": rows}, status=status)

    def get(self, request):
        return self.render_page()

    def post(self, request):
        shown = request.POST.getlist("kind")
        checked = set(request.POST.getlist("email"))
        try:
            if not shown or not checked <= set(shown):
                raise ValidationError(_("The form was incomplete. Please try again."))
            services.set_email_preferences(user=request.user, email_by_kind={k: k in checked for k in shown})
        except ValidationError as error:
            flash_service_errors(request, error)
            return self.render_page(status=400)
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:preferences")
