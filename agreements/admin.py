from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partnerportal.admin import ReadOnlyAdminMixin

from .models import Agreement, AgreementVersion, ChannelRule, EscalationStep, Responsibility, Signature, VersionStatus


class RowInline(admin.TabularInline):
    """Rows are editable only while their version is a draft (the models refuse anything else)."""

    extra = 0
    autocomplete_fields = ["user", "contact"]

    def _draft(self, obj):
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


class ResponsibilityInline(RowInline):
    model = Responsibility
    fields = ["party", "activity", "user", "contact", "responsible_for"]


class ChannelRuleInline(RowInline):
    model = ChannelRule
    fields = ["topic", "channel", "response_hours", "party", "user", "contact", "note"]


class EscalationStepInline(RowInline):
    model = EscalationStep
    fields = ["level", "after_hours", "party", "user", "contact", "note"]


class SignatureInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Signature
    extra = 0
    fields = ["party", "user", "signed_at"]
    readonly_fields = fields


class VersionInline(admin.TabularInline):
    model = AgreementVersion
    extra = 0
    fields = ["number", "status", "effective_from", "effective_to", "review_date"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "created_at"]
    search_fields = ["title", "partner__name"]
    list_select_related = ["partner"]
    inlines = [VersionInline]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.versions.exclude(status=VersionStatus.DRAFT).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(AgreementVersion)
class AgreementVersionAdmin(SimpleHistoryAdmin):
    list_display = ["agreement", "number", "status", "effective_from", "effective_to", "review_date"]
    list_filter = ["status"]
    search_fields = ["agreement__title", "agreement__partner__name"]
    list_select_related = ["agreement__partner"]
    inlines = [ResponsibilityInline, ChannelRuleInline, EscalationStepInline, SignatureInline]
    readonly_fields = [
        "status",
        "effective_from",
        "effective_to",
        "sent_at",
        "sent_by",
        "activated_at",
        "terminated_by",
        "terminated_at",
        "termination_reason",
        "created_by",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return ["agreement", "number", "review_date", "summary", "kpi_targets", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["version", "party", "user", "signed_at"]
    list_select_related = ["version__agreement", "user"]
    readonly_fields = ["version", "party", "user", "signed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
