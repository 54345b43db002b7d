from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kpis import selectors as kpi_selectors
from partnerportal.api import ScopedPrimaryKeyRelatedField
from partnerportal.fields import max_length_of
from partners import selectors as partner_selectors

from .. import selectors
from ..forms import EngagementForm
from ..models import (
    Case,
    CaseStatus,
    Engagement,
    HealthSnapshot,
    Kudos,
    Notice,
    RoadmapComment,
    RoadmapItem,
    SurveyResponse,
    SurveyRound,
    TimelineEvent,
)


class CaseFileRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField()


class PartnerField(ScopedPrimaryKeyRelatedField):
    """An active partner in the user's reach; another partner's id answers like a missing one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", partner_selectors.partner_queryset().filter(is_active=True))
        super().__init__(**kwargs)


class NoticeSerializer(serializers.ModelSerializer):
    partner = PartnerField()
    posted_by = serializers.StringRelatedField()
    acknowledged_by = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "partner",
            "side",
            "kind",
            "severity",
            "title",
            "description",
            "affected_from",
            "affected_until",
            "mitigation",
            "posted_by",
            "posted_at",
            "acknowledged_by",
            "acknowledged_at",
        ]
        read_only_fields = ["side", "posted_by", "posted_at", "acknowledged_by", "acknowledged_at"]
        # The service takes no default: without a severity the notice is refused (400), not stored.
        extra_kwargs = {"severity": {"required": True}}


class CaseSerializer(serializers.ModelSerializer):
    partner = PartnerField()
    raised_by = serializers.StringRelatedField()
    acknowledged_by = serializers.StringRelatedField(allow_null=True)
    files = serializers.SerializerMethodField()
    escalation_levels = serializers.SerializerMethodField()
    measurements = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "partner",
            "side",
            "title",
            "what_happened",
            "impact",
            "root_cause",
            "prevention",
            "no_action_reason",
            "status",
            "raised_by",
            "raised_at",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_at",
            "files",
            "escalation_levels",
            "measurements",
        ]
        read_only_fields = [
            "side",
            "status",
            "raised_by",
            "raised_at",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_at",
        ]

    @extend_schema_field(CaseFileRefSerializer(many=True))
    def get_files(self, case):
        from django.urls import reverse

        return [
            {"id": f.pk, "name": f.name, "size": f.size, "url": reverse("relations:case_file", args=[f.pk])}
            for f in case.files.all()
        ]

    def get_measurements(self, case) -> list[int]:
        """Ids of the linked measurements the caller may see (never an internal KPI's to a partner)."""
        from partnerportal import policy

        return list(
            policy.scope(self.context["request"].user, policy.VIEW, case.measurements.all()).values_list(
                "pk", flat=True
            )
        )

    def get_escalation_levels(self, case) -> list[int]:
        return [e.level for e in case.escalations.all()]


class CaseMeasurementSerializer(serializers.Serializer):
    # Another partner's measurement, or one of a KPI the host keeps internal, answers like a missing one.
    measurement = ScopedPrimaryKeyRelatedField(queryset=kpi_selectors.all_measurements())


class CaseActionSerializer(serializers.Serializer):
    """An action agreed on a case; the owner is someone of the host or of the case's partner."""

    title = serializers.CharField(max_length=200)
    owner = ScopedPrimaryKeyRelatedField(queryset=partner_selectors.portal_users().none())
    due_date = serializers.DateField()

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:  # the schema generator describes it without a case
            self.fields["owner"].queryset = selectors.action_owners(case=case)


class CaseStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class KudosSerializer(serializers.ModelSerializer):
    partner = PartnerField()
    given_by = serializers.StringRelatedField()

    class Meta:
        model = Kudos
        fields = ["id", "partner", "side", "title", "message", "given_by", "given_at"]
        read_only_fields = ["side", "given_by", "given_at"]


class EngagementSerializer(serializers.ModelSerializer):
    partner = PartnerField()
    participants = ScopedPrimaryKeyRelatedField(queryset=partner_selectors.portal_users(), many=True, required=False)

    class Meta:
        model = Engagement
        fields = ["id", *EngagementForm.Meta.fields]


class RoadmapItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoadmapItem
        fields = ["id", "title", "category", "status", "description", "starts_on", "ends_on", "expected_effect"]


class HostRoadmapItemSerializer(RoadmapItemSerializer):
    shared_with = ScopedPrimaryKeyRelatedField(queryset=partner_selectors.partner_queryset(), many=True, required=False)

    class Meta(RoadmapItemSerializer.Meta):
        fields = RoadmapItemSerializer.Meta.fields + ["shared_with"]


class RoadmapCommentSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()
    # Both in the user's reach: a plan not shared with a partner user (or another partner) answers
    # like a missing one.
    item = ScopedPrimaryKeyRelatedField(RoadmapItem)
    partner = PartnerField(required=False)

    class Meta:
        model = RoadmapComment
        fields = ["id", "item", "partner", "author", "is_idea", "body", "created_at"]
        read_only_fields = ["author", "created_at"]


class SurveyRoundSerializer(serializers.ModelSerializer):
    partner = PartnerField()
    results = serializers.SerializerMethodField()

    class Meta:
        model = SurveyRound
        fields = ["id", "partner", "title", "opens_on", "closes_on", "anonymous", "questions", "results"]
        read_only_fields = ["questions"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_results(self, survey):
        return selectors.survey_results(survey=survey)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CaseActionCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    owner = serializers.IntegerField()
    due_date = serializers.DateField()


class SurveyAnswerSerializer(serializers.Serializer):
    scores = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=5))
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length_of(SurveyResponse, "comment")
    )


class HealthSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = HealthSnapshot
        fields = ["id", "partner", "month", "score", "parts", "computed_at"]


class TimelineEventSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="display_title", read_only=True)

    class Meta:
        model = TimelineEvent
        fields = ["id", "partner", "category", "occurred_at", "title", "url"]
