"""Inbox and preferences pages. Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partnerportal import policy
from partnerportal.htmx import announce

from . import selectors, services

PAGE_SIZE = 25


@login_required
@require_GET
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    notifications = selectors.inbox(user=request.user, unread=unread_only)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread_only": unread_only, "query": "show=unread" if unread_only else ""},
    )


@login_required
@require_POST
def mark_read(request, pk):
    notification = services.mark_read(
        notification=selectors.notification_for(user=request.user, pk=pk, action=policy.CHANGE)
    )
    if request.htmx:
        response = render(
            request,
            "notifications/_mark_read_response.html",
            {"notification": notification, "unread_count": selectors.unread_count(user=request.user)},
        )
        return announce(response, _("Marked as read."))
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(notifications=selectors.inbox(user=request.user))
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:inbox")


@login_required
@require_GET
def open_notification(request, pk):
    """Mark read and go to what the notification is about (inside the portal only)."""
    notification = services.mark_read(
        notification=selectors.notification_for(user=request.user, pk=pk, action=policy.CHANGE)
    )
    target = selectors.safe_url(notification.url)
    return redirect(target or "notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "POST":
        shown = request.POST.getlist("kind")
        checked = set(request.POST.getlist("email"))
        try:
            if not shown or not checked <= set(shown):
                raise ValidationError(_("The form was incomplete. Please try again."))
            services.set_email_preferences(user=request.user, email_by_kind={k: k in checked for k in shown})
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return render(
                request,
                "notifications/preferences.html",
                {"rows": selectors.preferences_for(user=request.user)},
                status=400,
            )
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"rows": selectors.preferences_for(user=request.user)})
