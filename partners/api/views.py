from rest_framework import viewsets

from partnerportal import policy
from partnerportal.api import PolicyViewSetMixin

from .. import selectors, services
from ..models import Organization
from .serializers import HostPartnerSerializer, PartnerSerializer


class PartnerViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Partner organisations. Partner users see only their own; host staff create and edit."""

    queryset = selectors.partners_with_active_sites()
    filterset_fields = ["kind", "is_active"]
    search_fields = ["name", "city"]
    ordering_fields = ["name", "partner_since"]
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_serializer_class(self):
        if policy.allows(self.request.user, "see_internal", Organization):
            return HostPartnerSerializer
        return PartnerSerializer

    def perform_create(self, serializer):
        serializer.instance = services.organization_save(
            user=self.request.user, organization=Organization(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        instance = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(instance, key, value)
        services.organization_save(user=self.request.user, organization=instance)
