"""The admin shows everything; it changes only drafts, and says why when it refuses.

A sealed version (sent for sign-off or signed) and the title of its agreement are read-only here,
history cannot revert them, and a refusal from the models (VersionLocked) or from the database's
triggers (migration 0002) becomes an error message on the page instead of a server error.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from partnerportal.admin import ReadOnlyAdminMixin

from .models import (
    Agreement,
    AgreementTemplate,
    AgreementTemplateRevision,
    AgreementVersion,
    ChannelRule,
    EscalationStep,
    Responsibility,
    Signature,
    VersionStatus,
    is_refusal,
)


class KeptForTheRecordAdmin(SimpleHistoryAdmin):
    """Refusals become messages; history does not revert what is sealed."""

    def is_sealed(self, obj) -> bool:
        raise NotImplementedError

    def _refusal_messages(self, error):
        if isinstance(error, ValidationError):
            return error.messages
        return [_("The database refused the change: an agreement that has been sent for sign-off is kept as it is.")]

    def _refused(self, request, error, url):
        for message in self._refusal_messages(error):
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(url)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, IntegrityError) as error:
            if isinstance(error, IntegrityError) and not is_refusal(error):
                raise
            return self._refused(request, error, request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ValidationError, IntegrityError) as error:
            if isinstance(error, IntegrityError) and not is_refusal(error):
                raise
            opts = self.model._meta
            return self._refused(request, error, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self.model.objects.filter(pk=object_id).first()
        record = self.model.history.filter(id=object_id, history_id=version_id).first()
        sealed = current is not None and (
            self.is_sealed(current) or self.is_sealed(record.instance if record else None)
        )
        if not sealed:
            return super().history_form_view(request, object_id, version_id, extra_context)
        opts = self.model._meta
        history_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[object_id])
        message = _(
            "%(object)s has been sent for sign-off or signed and cannot be reverted to an earlier state. "
            "Start a new draft instead."
        ) % {"object": current}
        if request.method == "POST":
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(history_url)
        # Shown as it was, without a form to revert with.
        request._agreements_view_only = True
        self.message_user(request, message, messages.WARNING)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return getattr(request, "_agreements_view_only", False) or super().revert_disabled(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if getattr(request, "_agreements_view_only", False):
            return [f.name for f in self.model._meta.fields if f.editable] + [
                f.name for f in self.model._meta.many_to_many
            ]
        return super().get_readonly_fields(request, obj)


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
class AgreementAdmin(KeptForTheRecordAdmin):
    list_display = ["title", "partner", "created_at"]
    search_fields = ["title", "partner__name"]
    list_select_related = ["partner"]
    inlines = [VersionInline]

    def is_sealed(self, obj):
        # The title is what every sealed version shows, so it is fixed from the first sending.
        return obj is not None and obj.pk is not None and obj.is_sealed

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if self.is_sealed(obj):
            return [*fields, "title", "partner"]
        return fields

    def has_delete_permission(self, request, obj=None):
        if self.is_sealed(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(AgreementVersion)
class AgreementVersionAdmin(KeptForTheRecordAdmin):
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
        "template_revision",  # set by the services that build a draft from a template
    ]

    def is_sealed(self, obj):
        return obj is not None and obj.status != VersionStatus.DRAFT

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if self.is_sealed(obj):
            return ["agreement", "number", "review_date", "summary", "kpi_targets", *fields]
        return fields

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


class TemplateRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AgreementTemplateRevision
    fields = ["number", "review_interval_months", "note", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Shown with its revisions and history; kept on the portal's template pages, which make each
    change a revision and check the rows by the agreement rows' rules."""

    list_display = ["name", "is_default", "created_at"]
    inlines = [TemplateRevisionInline]
