from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partnerportal.admin import ReadOnlyAdminMixin

from . import services
from .models import (
    KPIDefinition,
    KPITarget,
    Measurement,
    MonthlyRollup,
    PartnerKPI,
    ReviewEvent,
    ScorecardDispute,
    ScorecardReview,
    Success,
)


@admin.register(KPIDefinition)
class KPIDefinitionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "unit", "direction", "aggregation", "subject", "is_standard", "is_active"]
    list_filter = ["aggregation", "direction", "subject", "measured_from", "is_standard", "is_active"]
    search_fields = ["code", "name"]


TARGET_FIELDS = ["horizon", "value", "warning", "critical", "valid_from", "valid_to", "note"]


# Targets are shown, not edited, in the admin: a change goes through the portal's target form,
# which closes the target in force and keeps it in the history (agreements link to it).
class KPITargetInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = KPITarget
    extra = 0
    fields = TARGET_FIELDS
    readonly_fields = TARGET_FIELDS


@admin.register(PartnerKPI)
class PartnerKPIAdmin(SimpleHistoryAdmin):
    list_display = ["partner", "kpi", "shared", "partner_can_submit", "weight"]
    list_filter = ["shared", "partner_can_submit", "kpi"]
    search_fields = ["partner__name", "kpi__name"]
    raw_id_fields = ["responsible_host", "responsible_partner"]
    inlines = [KPITargetInline]


@admin.register(KPITarget)
class KPITargetAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["partner_kpi", "horizon", "value", "warning", "critical", "valid_from", "valid_to"]
    list_filter = ["horizon", "kpi"]
    search_fields = ["partner__name", "kpi__name"]


@admin.register(Measurement)
class MeasurementAdmin(SimpleHistoryAdmin):
    """Read-mostly: writes belong to the services (they keep the rollup exact and raise alerts)."""

    list_display = ["partner", "kpi", "period_kind", "period_start", "site", "value", "source", "entered_by"]
    list_filter = ["kpi", "period_kind", "source"]
    search_fields = ["partner__name", "kpi__code"]
    date_hierarchy = "period_start"
    list_select_related = ["partner", "kpi", "site", "entered_by"]
    readonly_fields = [f.name for f in Measurement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting goes through the services too: the monthly rollup must lose the deleted values.
    def delete_model(self, request, obj):
        services.measurement_delete(user=request.user, measurement=obj)

    def delete_queryset(self, request, queryset):
        services.measurements_delete(user=request.user, measurements=queryset)


@admin.register(MonthlyRollup)
class MonthlyRollupAdmin(admin.ModelAdmin):
    list_display = ["partner", "kpi", "month", "count", "sum_numerator", "sum_denominator", "sum_sample_size"]
    list_filter = ["kpi"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Success)
class SuccessAdmin(admin.ModelAdmin):
    list_display = ["partner", "kpi", "kind", "period_start", "value", "detected_at"]
    list_filter = ["kind", "kpi"]


# The monthly scorecard review is shown, not changed, here: accepting, disputing, answering, raising and
# withdrawing go through kpis.reviews (history, windows, notifications; a correction through the one
# measurement write path), from the pages or the API. Deleting would erase the history both sides rely on.


class ReviewEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReviewEvent
    extra = 0
    fields = ["at", "kind", "user", "dispute", "note", "figure_before", "figure_after"]
    readonly_fields = fields


class ScorecardDisputeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ScorecardDispute
    extra = 0
    fields = ["partner_kpi", "state", "figure_before", "measured_value", "figure_after", "opened_by", "opened_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(ScorecardReview)
class ScorecardReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["partner", "month", "state", "window_ends", "finalised_at", "decided_by"]
    list_filter = ["state"]
    search_fields = ["partner__name"]
    date_hierarchy = "month"
    list_select_related = ["partner", "decided_by"]
    inlines = [ScorecardDisputeInline, ReviewEventInline]


@admin.register(ScorecardDispute)
class ScorecardDisputeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["review", "partner_kpi", "state", "figure_before", "measured_value", "figure_after", "opened_at"]
    list_filter = ["state", "partner_kpi__kpi"]
    search_fields = ["review__partner__name", "partner_kpi__kpi__code", "reason"]
    list_select_related = ["review__partner", "partner_kpi__partner", "partner_kpi__kpi"]
    # The file is downloaded from the dispute's page (kpis:dispute_file), which checks access; the
    # admin shows its name only, never a link into the private media folder.
    exclude = ["evidence"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "review", "kind", "dispute", "user", "figure_before", "figure_after"]
    list_filter = ["kind"]
    search_fields = ["review__partner__name", "note"]
    list_select_related = ["review__partner", "dispute__review__partner", "user"]
