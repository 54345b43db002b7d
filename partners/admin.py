from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Contact, Organization, Site, User


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
