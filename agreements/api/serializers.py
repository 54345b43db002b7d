from rest_framework import serializers

from partnerportal.api import ScopedPrimaryKeyRelatedField
from partnerportal.fields import max_length_of

from ..models import (
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    ChannelRule,
    EscalationStep,
    Responsibility,
    Signature,
)

PERSON_FIELDS = ["party", "user", "contact", "person_name"]


class RowSerializer(serializers.ModelSerializer):
    # version, user, contact: chosen from the user's reach (another partner's id answers like a missing one).
    serializer_related_field = ScopedPrimaryKeyRelatedField
    person_name = serializers.CharField(read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and "version" in fields:
            fields["version"].read_only = True
        return fields


class ResponsibilitySerializer(RowSerializer):
    class Meta:
        model = Responsibility
        fields = ["id", "version", "activity", *PERSON_FIELDS, "responsible_for"]


class ChannelRuleSerializer(RowSerializer):
    topic_display = serializers.CharField(source="get_topic_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)

    class Meta:
        model = ChannelRule
        fields = [
            "id",
            "version",
            "topic",
            "topic_display",
            "channel",
            "channel_display",
            "response_hours",
            *PERSON_FIELDS,
            "note",
        ]


class EscalationStepSerializer(RowSerializer):
    class Meta:
        model = EscalationStep
        fields = ["id", "version", "level", "after_hours", *PERSON_FIELDS, "note"]


class SignatureSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = Signature
        fields = ["party", "user", "user_name", "signed_at"]


class VersionSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedPrimaryKeyRelatedField  # kpi_targets: from the user's reach
    partner = serializers.IntegerField(source="agreement.partner_id", read_only=True)
    responsibilities = ResponsibilitySerializer(source="responsibility_set", many=True, read_only=True)
    channels = ChannelRuleSerializer(source="channelrule_set", many=True, read_only=True)
    escalation_steps = EscalationStepSerializer(source="escalationstep_set", many=True, read_only=True)
    signatures = SignatureSerializer(many=True, read_only=True)

    class Meta:
        model = AgreementVersion
        fields = [
            "id",
            "agreement",
            "partner",
            "number",
            "status",
            "effective_from",
            "effective_to",
            "review_date",
            "summary",
            "sent_at",
            "activated_at",
            "terminated_at",
            "termination_reason",
            "responsibilities",
            "channels",
            "escalation_steps",
            "signatures",
            "kpi_targets",
        ]
        read_only_fields = [f for f in fields if f not in ("review_date", "summary", "kpi_targets")]


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementVersion
        fields = ["id", "number", "status", "effective_from", "effective_to", "review_date"]


class AgreementSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedPrimaryKeyRelatedField  # partner: from the user's reach
    versions = VersionSummarySerializer(source="visible_versions", many=True, read_only=True)
    # On create: the template the first draft is filled from (none: an empty draft).
    template = ScopedPrimaryKeyRelatedField(AgreementTemplate, required=False, allow_null=True, write_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "partner", "title", "created_at", "versions", "template"]
        read_only_fields = ["created_at"]


class TerminateSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=False, trim_whitespace=True, max_length=max_length_of(AgreementVersion, "termination_reason")
    )
