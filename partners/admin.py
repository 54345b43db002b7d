from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import AccountEvent, Contact, Invitation, Organization, Site, User


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "city", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "city", "registration_number"]
    inlines = [SiteInline, ContactInline]


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "organization", "city", "is_active"]
    list_filter = ["organization"]
    search_fields = ["name", "code"]


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "title", "organization", "email"]
    search_fields = ["name", "email"]


@admin.register(User)
class PortalUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "get_full_name", "email", "organization", "role", "is_active"]
    list_filter = ["role", "organization", "is_active"]
    fieldsets = UserAdmin.fieldsets + (
        (_("Membership"), {"fields": ("organization", "role", "title", "phone", "language", "time_zone")}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (
        (_("Membership"), {"fields": ("email", "organization", "role", "language")}),
    )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made, resent and revoked on the People pages (policy, e-mail, audit); here they are read."""

    list_display = ["email", "organization", "role", "state", "invited_by", "sent_at", "expires_at"]
    list_filter = ["state", "role", "organization"]
    search_fields = ["email", "organization__name"]
    list_select_related = ["organization", "invited_by"]
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "id"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.readonly_fields if name != "token_hash"]


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The account events of the audit log: read-only (rows are only ever added, by the services)."""

    list_display = ["created_at", "kind", "user", "identifier", "actor", "organization", "ip_address"]
    list_filter = ["kind", "organization"]
    search_fields = ["identifier", "user__username", "user__email", "detail"]
    list_select_related = ["user", "actor", "organization"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
