from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..forms import DEFINITION_FIELDS
from ..models import KPIDefinition, KPITarget, Measurement, PartnerKPI


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
