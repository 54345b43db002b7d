from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnerportal.api import ScopedPrimaryKeyRelatedField

from ..forms import DEFINITION_FIELDS
from ..models import (
    KPIDefinition,
    KPITarget,
    Measurement,
    PartnerKPI,
    ReviewEvent,
    ScorecardDispute,
    ScorecardReview,
)


class KPIDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = KPIDefinition
        fields = ["id", *DEFINITION_FIELDS, "is_standard", "is_active"]


class KPITargetSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = KPITarget
        fields = [
            "id",
            "partner_kpi",
            "partner",
            "kpi",
            "horizon",
            "value",
            "warning",
            "critical",
            "valid_from",
            "valid_to",
        ]


class PartnerKPISerializer(serializers.ModelSerializer):
    kpi = KPIDefinitionSerializer(read_only=True)
    targets_in_force = serializers.SerializerMethodField()

    class Meta:
        model = PartnerKPI
        fields = ["id", "partner", "kpi", "shared", "partner_can_submit", "weight", "targets_in_force"]

    @extend_schema_field(KPITargetSerializer(many=True))
    def get_targets_in_force(self, obj):
        return KPITargetSerializer(getattr(obj, "current_targets", []), many=True).data


class MeasurementSerializer(serializers.ModelSerializer):
    """The codes of KPI and site come annotated (`kpi_code`, `site_code`: MeasurementViewSet's queryset),
    not as whole joined objects, and a row is written out directly (`to_representation`): a page of the
    list is 50 rows, and REST framework's per-field machinery cost more than the page's query."""

    kpi = serializers.CharField(source="kpi_code", read_only=True, help_text="KPI code")
    site = serializers.CharField(source="site_code", read_only=True, allow_null=True, help_text="Site code")

    class Meta:
        model = Measurement
        fields = [
            "id",
            "partner",
            "kpi",
            "period_kind",
            "period_start",
            "site",
            "value",
            "numerator",
            "denominator",
            "sample_size",
            "source",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance):
        """What ModelSerializer answers (the same types and formats), field by field without its loop."""
        fields = self.fields
        return {
            "id": instance.pk,
            "partner": instance.partner_id,
            "kpi": instance.kpi_code,
            "period_kind": instance.period_kind,
            "period_start": fields["period_start"].to_representation(instance.period_start),
            "site": instance.site_code,
            "value": instance.value,
            "numerator": instance.numerator,
            "denominator": instance.denominator,
            "sample_size": instance.sample_size,
            "source": instance.source,
            "created_at": fields["created_at"].to_representation(instance.created_at),
            "updated_at": fields["updated_at"].to_representation(instance.updated_at),
        }


class BulkItemSerializer(serializers.Serializer):
    """One measurement of the ingestion payload; numbers may be JSON numbers or strings ("12,5")."""

    partner = serializers.CharField(
        required=False, max_length=200, help_text="Partner id (or exact name); partner users may omit it"
    )
    kpi = serializers.CharField(max_length=200, help_text="KPI code")
    period_kind = serializers.CharField(required=False, default="day", max_length=20)
    period_start = serializers.CharField(max_length=40)
    site = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    value = serializers.JSONField(required=False, allow_null=True)
    numerator = serializers.JSONField(required=False, allow_null=True)
    denominator = serializers.JSONField(required=False, allow_null=True)
    sample_size = serializers.JSONField(required=False, allow_null=True)


class BulkSerializer(serializers.Serializer):
    measurements = BulkItemSerializer(many=True)


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BulkItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the measurement in the list (from 0)")
    errors = serializers.DictField(child=serializers.CharField(), help_text="The message per field")


class BulkErrorSerializer(serializers.Serializer):
    """A refused batch: nothing was stored. Either field errors of the payload, or `detail` and the
    errors per measurement."""

    detail = serializers.CharField(required=False)
    errors = BulkItemErrorSerializer(many=True, required=False)
    measurements = serializers.ListField(required=False)
    created = serializers.IntegerField(required=False)
    updated = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField(required=False)


class KPIResultSerializer(serializers.Serializer):
    """One KPI of a scorecard (KPIResult.to_json())."""

    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    actual = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    warning = serializers.FloatField(allow_null=True)
    critical = serializers.FloatField(allow_null=True)
    status = serializers.CharField()
    previous = serializers.FloatField(allow_null=True)
    trend = serializers.CharField(allow_null=True)
    kpi_id = serializers.IntegerField()
    partner_kpi_id = serializers.IntegerField(allow_null=True)
    weight = serializers.IntegerField()
    decimals = serializers.IntegerField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    series = serializers.ListField(child=serializers.ListField(), help_text="[period label, value] pairs")


class ScorecardSerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    granularity = serializers.ChoiceField(choices=["week", "month", "quarter", "year"])
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    overall_score = serializers.FloatField(allow_null=True)
    results = KPIResultSerializer(many=True)


# --- The monthly scorecard review (kpis.reviews) --------------------------------------------------


class ScorecardReviewSerializer(serializers.ModelSerializer):
    """One partner's scorecard of one closed month under review (`all_reviews` annotates the counts)."""

    partner_name = serializers.CharField(source="partner.name", read_only=True)
    decided_by = serializers.StringRelatedField(allow_null=True)
    dispute_count = serializers.IntegerField(read_only=True, help_text="Disputes of the month, in any state")
    open_dispute_count = serializers.IntegerField(read_only=True, help_text="Disputes the host has not answered")
    page_url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The month's scorecard page")

    class Meta:
        model = ScorecardReview
        fields = [
            "id",
            "partner",
            "partner_name",
            "month",
            "state",
            "proposed_at",
            "window_ends",
            "finalised_at",
            "decided_by",
            "decided_at",
            "dispute_count",
            "open_dispute_count",
            "page_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "month": {"help_text": "The first day of the month"},
            "window_ends": {"help_text": "The last day the partner may accept or dispute"},
            "finalised_at": {"help_text": "When the month became final (null: not final)"},
        }


class EvidenceRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField(help_text="The download (GET; the same access check as the dispute)")


class ReviewEventSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = ReviewEvent
        fields = ["kind", "at", "user", "note", "figure_before", "figure_after"]
        read_only_fields = fields


class ScorecardDisputeSerializer(serializers.ModelSerializer):
    """A partner's dispute of one figure of a month, and the host's answer."""

    partner = serializers.IntegerField(source="review.partner_id", read_only=True)
    partner_name = serializers.CharField(source="review.partner.name", read_only=True)
    month = serializers.DateField(source="review.month", read_only=True)
    kpi = serializers.CharField(source="partner_kpi.kpi.code", read_only=True, help_text="KPI code")
    kpi_name = serializers.CharField(source="partner_kpi.kpi.display_name", read_only=True)
    figure_disputed = serializers.FloatField(
        source="figure_before", read_only=True, allow_null=True, help_text="The month's figure when disputed"
    )
    figure_after = serializers.FloatField(
        read_only=True, allow_null=True, help_text="The figure after the answer: corrected, or the one that stands"
    )
    evidence = serializers.SerializerMethodField()
    opened_by = serializers.StringRelatedField()
    answered_by = serializers.StringRelatedField(allow_null=True)
    raised_to_agenda_by = serializers.StringRelatedField(allow_null=True)
    page_url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The dispute's page")

    class Meta:
        model = ScorecardDispute
        fields = [
            "id",
            "review",
            "partner",
            "partner_name",
            "month",
            "partner_kpi",
            "kpi",
            "kpi_name",
            "figure_disputed",
            "reason",
            "measured_value",
            "evidence",
            "state",
            "answer",
            "figure_after",
            "opened_by",
            "opened_at",
            "answered_by",
            "answered_at",
            "raised_to_agenda_by",
            "raised_to_agenda_at",
            "page_url",
        ]
        read_only_fields = fields

    @extend_schema_field(EvidenceRefSerializer(allow_null=True))
    def get_evidence(self, dispute):
        if not dispute.evidence:
            return None
        return {"name": dispute.evidence_name, "url": reverse("api:scorecard-dispute-evidence", args=[dispute.pk])}


class ScorecardDisputeDetailSerializer(ScorecardDisputeSerializer):
    """A dispute with its history (`with_history` fetches it)."""

    history = ReviewEventSerializer(many=True, read_only=True)

    class Meta(ScorecardDisputeSerializer.Meta):
        fields = [*ScorecardDisputeSerializer.Meta.fields, "history"]
        read_only_fields = fields


class ScorecardReviewDetailSerializer(ScorecardReviewSerializer):
    """A review with the disputes of its month (`with_disputes` fetches them)."""

    disputes = ScorecardDisputeSerializer(source="visible_disputes", many=True, read_only=True)

    class Meta(ScorecardReviewSerializer.Meta):
        fields = [*ScorecardReviewSerializer.Meta.fields, "disputes"]
        read_only_fields = fields


class DisputeOpenSerializer(serializers.Serializer):
    """A dispute of one figure: which KPI of the month, why, and evidence (a measured value and/or a file,
    `evidence`: PDF, image, spreadsheet or text, at most 10 MB)."""

    partner_kpi = ScopedPrimaryKeyRelatedField(model=PartnerKPI, help_text="The disputed KPI (a partner KPI id)")
    reason = serializers.CharField(max_length=2000)
    measured_value = serializers.FloatField(
        required=False, allow_null=True, help_text="The figure as the partner measured it"
    )
    evidence = serializers.FileField(required=False, allow_null=True)


class DisputeAnswerSerializer(serializers.Serializer):
    """The host's answer: correct the figure (one of the month's stored values, or a new monthly value
    where `measurement` is left out) or say why it stands."""

    CORRECT, STANDS = "correct", "stands"

    outcome = serializers.ChoiceField(choices=[CORRECT, STANDS])
    answer = serializers.CharField(max_length=2000, help_text="What was corrected, or why the figure stands")
    measurement = ScopedPrimaryKeyRelatedField(
        model=Measurement, required=False, allow_null=True, help_text="The month's stored value to correct"
    )
    value = serializers.FloatField(required=False, allow_null=True)
    numerator = serializers.FloatField(required=False, allow_null=True)
    denominator = serializers.FloatField(required=False, allow_null=True)
    sample_size = serializers.FloatField(required=False, allow_null=True)
    # A correction without a figure is refused by the service (kpis.reviews.dispute_correct).
