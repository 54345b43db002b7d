from django.utils.translation import gettext as _
from rest_framework import serializers

from ..forms import CONTACT_FIELDS
from ..models import Organization, Site


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "code", "address", "city", "is_active"]


class PartnerSerializer(serializers.ModelSerializer):
    sites = SiteSerializer(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = ["id", *CONTACT_FIELDS, "description", "partner_since", "is_active", "sites"]

    def validate_kind(self, value):
        if value == "host":
            raise serializers.ValidationError(_("A partner cannot be of the host type."))
        return value


class HostPartnerSerializer(PartnerSerializer):
    """What host staff see: also the internal notes."""

    class Meta(PartnerSerializer.Meta):
        fields = PartnerSerializer.Meta.fields + ["internal_notes"]
