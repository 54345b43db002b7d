from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import dispatch
from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox as admins see it: what is pending, sent, failed (and why), with a retry."""

    list_display = ["subject", "recipient", "kind", "status", "send_at", "attempts", "sent_at", "read_at"]
    list_filter = ["status", "kind", "email", ("send_at", admin.DateFieldListFilter)]
    search_fields = ["subject", "key", "recipient__username", "recipient__email", "last_error"]
    list_select_related = ["recipient"]
    date_hierarchy = "send_at"
    ordering = ["-send_at", "-id"]
    actions = ["retry"]
    raw_id_fields = ["recipient", "partner"]
    readonly_fields = ["created_at", "claimed_at", "sent_at", "attempts", "last_error", "read_at"]
    fieldsets = [
        (None, {"fields": ["recipient", "partner", "kind", "key", "subject", "body", "url", "attachments"]}),
        (_("Delivery"), {"fields": ["email", "send_at", "status", "attempts", "claimed_at", "sent_at", "last_error"]}),
        (_("Inbox"), {"fields": ["read_at", "created_at"]}),
    ]

    @admin.action(description=_("Retry sending the selected notifications now"))
    def retry(self, request, queryset):
        count = dispatch.retry(notifications=queryset)
        self.message_user(
            request,
            ngettext("%(count)d notification will be sent again.", "%(count)d notifications will be sent again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email"]
    list_filter = ["email", "kind"]
    search_fields = ["user__username", "user__email", "kind"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
