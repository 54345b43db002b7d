from rest_framework import serializers

from partnerportal import policy
from partnerportal.api import ScopedPrimaryKeyRelatedField
from partnerportal.fields import max_length_of
from partners import selectors as partners_selectors

from ..models import ActionItem, AgendaTopic, Meeting, MeetingSeries


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()
    organization = serializers.CharField(source="organization.name", default=None)

    def get_name(self, obj) -> str:
        return str(obj)


# Every related field takes its choices from the user's reach (the access policy's view scope): an id
# of another partner's object answers exactly like an id that does not exist.
def _partner_field():
    return ScopedPrimaryKeyRelatedField(queryset=partners_selectors.partner_queryset())


def _people_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(queryset=partners_selectors.active_people(), **kwargs)


class SeriesSerializer(serializers.ModelSerializer):
    partner = _partner_field()
    participants = _people_field(many=True, required=False)
    reminder_offsets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=86400), required=False
    )

    class Meta:
        model = MeetingSeries
        fields = [
            "id",
            "partner",
            "title",
            "purpose",
            "rrule",
            "time_zone",
            "first_date",
            "start_time",
            "duration_minutes",
            "location",
            "video_link",
            "participants",
            "reminder_offsets",
            "active",
        ]
        # The service validates (full_clean) and materialises; the model's own validators would
        # run twice otherwise.
        extra_kwargs = {"rrule": {"validators": []}}


class MeetingSerializer(serializers.ModelSerializer):
    partner = _partner_field()
    participants = _people_field(many=True, required=False)
    minutes = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "series",
            "partner",
            "title",
            "start",
            "end",
            "original_start",
            "moved",
            "status",
            "location",
            "video_link",
            "participants",
            "minutes",
            "decisions",
            "minutes_published_at",
            "held_at",
        ]
        read_only_fields = ["series", "original_start", "moved", "status", "minutes_published_at", "held_at"]

    def _minutes_visible(self, obj):
        user = self.context["request"].user
        return obj.minutes_published_at is not None or policy.can(user, "see_internal", obj)

    def get_minutes(self, obj) -> str:
        return obj.minutes if self._minutes_visible(obj) else ""

    def get_decisions(self, obj) -> str:
        return obj.decisions if self._minutes_visible(obj) else ""


class MinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=max_length_of(Meeting, "minutes")
    )
    decisions = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=max_length_of(Meeting, "decisions")
    )
    present = _people_field(many=True, required=False)
    publish = serializers.BooleanField(required=False, default=False)


class MoveSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False)


class TopicSerializer(serializers.ModelSerializer):
    meeting = ScopedPrimaryKeyRelatedField(Meeting)
    added_by = PersonSerializer(read_only=True)

    class Meta:
        model = AgendaTopic
        fields = ["id", "meeting", "title", "description", "internal", "added_by", "created_at"]
        read_only_fields = ["added_by", "created_at"]


class ActionItemSerializer(serializers.ModelSerializer):
    partner = _partner_field()
    owner = _people_field()
    meeting = ScopedPrimaryKeyRelatedField(Meeting, required=False, allow_null=True)
    owner_name = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "partner",
            "meeting",
            "title",
            "description",
            "owner",
            "owner_name",
            "due_date",
            "status",
            "done_at",
            "overdue",
            "created_at",
        ]
        read_only_fields = ["done_at", "created_at"]

    def get_owner_name(self, obj) -> str:
        return str(obj.owner)


class AgendaItemSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    detail = serializers.CharField(allow_blank=True)


class AgendaSectionSerializer(serializers.Serializer):
    """A section another app adds to the agenda (notices, cases, ...)."""

    key = serializers.CharField()
    title = serializers.CharField()
    items = AgendaItemSerializer(many=True)


class AgendaSerializer(serializers.Serializer):
    """GET /api/meetings/{id}/agenda/: what the meeting goes through, as the caller may see it."""

    meeting = serializers.IntegerField()
    period = serializers.ListField(child=serializers.DateField(), help_text="[first day, last day] of the KPI period")
    frozen = serializers.BooleanField(help_text="The KPI figures were frozen when the meeting was held.")
    kpis = serializers.ListField(
        child=serializers.DictField(), help_text="One row per KPI, as in the scorecard's `results`."
    )
    open_actions = ActionItemSerializer(many=True)
    overdue_actions = ActionItemSerializer(many=True)
    topics = TopicSerializer(many=True)
    extra = AgendaSectionSerializer(many=True)
