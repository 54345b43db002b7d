from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Case,
    CaseEscalation,
    CaseEvent,
    CaseFile,
    Engagement,
    EngagementFile,
    HealthSnapshot,
    Kudos,
    Notice,
    RoadmapComment,
    RoadmapItem,
    SurveyQuestion,
    SurveyRound,
    TimelineEvent,
)


@admin.register(Notice)
class NoticeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "side", "kind", "severity", "posted_at", "acknowledged_at"]
    list_filter = ["kind", "severity", "side", "partner"]
    search_fields = ["title", "description"]
    raw_id_fields = ["posted_by", "acknowledged_by"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "user", "at", "note"]


class AttachedFileInline(admin.TabularInline):
    """The files of a case or an engagement: listed, not edited (uploads go through the portal)."""

    extra = 0
    readonly_fields = ["name", "size", "uploaded_by", "uploaded_at"]
    exclude = ["file"]


class CaseFileInline(AttachedFileInline):
    model = CaseFile


class CaseEscalationInline(admin.TabularInline):
    model = CaseEscalation
    extra = 0
    readonly_fields = ["level", "target", "escalated_at"]


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "side", "status", "raised_at", "resolved_at"]
    list_filter = ["status", "side", "partner"]
    search_fields = ["title", "what_happened"]
    raw_id_fields = ["raised_by", "acknowledged_by"]
    inlines = [CaseEventInline, CaseFileInline, CaseEscalationInline]


class EngagementFileInline(AttachedFileInline):
    model = EngagementFile


@admin.register(Engagement)
class EngagementAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "kind", "status", "starts_at"]
    list_filter = ["kind", "status", "partner"]
    filter_horizontal = ["participants"]
    raw_id_fields = ["created_by"]
    inlines = [EngagementFileInline]


class RoadmapCommentInline(admin.TabularInline):
    model = RoadmapComment
    extra = 0
    raw_id_fields = ["author"]


@admin.register(RoadmapItem)
class RoadmapItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "category", "status", "starts_on", "ends_on"]
    list_filter = ["category", "status"]
    filter_horizontal = ["shared_with"]
    raw_id_fields = ["created_by"]
    inlines = [RoadmapCommentInline]


@admin.register(Kudos)
class KudosAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "side", "given_by", "given_at"]
    list_filter = ["partner", "side"]
    raw_id_fields = ["given_by"]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    """The default survey template: admins edit, reorder, add or deactivate questions."""

    list_display = ["key", "text_en", "text_da", "order", "active"]
    list_editable = ["order", "active"]


@admin.register(SurveyRound)
class SurveyRoundAdmin(SimpleHistoryAdmin):
    """Rounds only: answers are not listed here (anonymous answers must stay unlinkable)."""

    list_display = ["title", "partner", "opens_on", "closes_on", "anonymous"]
    list_filter = ["partner", "anonymous"]
    readonly_fields = ["questions"]


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(admin.ModelAdmin):
    list_display = ["partner", "month", "score", "computed_at"]
    list_filter = ["partner"]
    readonly_fields = ["parts"]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "partner", "category", "title", "internal"]
    list_filter = ["category", "partner", "internal"]
    search_fields = ["title"]
