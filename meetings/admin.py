from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import ActionItem, AgendaTopic, Attendance, CalendarFeed, Meeting, MeetingSeries


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "purpose", "recurrence", "start_time", "time_zone", "active"]
    list_filter = ["purpose", "active"]
    search_fields = ["title", "partner__name"]
    filter_horizontal = ["participants"]

    @admin.display(description=_("Recurrence"))
    def recurrence(self, obj):
        return obj.recurrence_in_words


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0


class TopicInline(admin.TabularInline):
    model = AgendaTopic
    extra = 0
    fields = ["title", "internal", "added_by"]
    raw_id_fields = ["added_by"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "start", "status", "moved", "minutes_published_at"]
    list_filter = ["status", "moved"]
    search_fields = ["title", "partner__name"]
    date_hierarchy = "start"
    inlines = [AttendanceInline, TopicInline]
    filter_horizontal = ["participants"]


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "owner", "due_date", "status"]
    list_filter = ["status"]
    search_fields = ["title", "partner__name"]
    raw_id_fields = ["owner", "meeting", "created_by"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "include_organised", "created_at"]
    exclude = ["token"]
