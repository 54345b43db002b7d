from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from partnerportal import policy
from partnerportal.api import PolicyViewSetMixin

from .. import selectors, services
from ..models import AgreementVersion, ChannelRule, EscalationStep, Responsibility
from .serializers import (
    AgreementSerializer,
    ChannelRuleSerializer,
    EscalationStepSerializer,
    ResponsibilitySerializer,
    TerminateSerializer,
    VersionSerializer,
)


class AgreementViewSet(PolicyViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Agreements (one per partner). Partner users see their own; host staff create them and start drafts."""

    queryset = selectors.agreements_by_partner()
    serializer_class = AgreementSerializer
    filterset_fields = ["partner"]

    def get_queryset(self):
        return selectors.with_visible_versions(super().get_queryset(), user=self.request.user)

    def perform_create(self, serializer):
        partner = serializer.validated_data["partner"]
        template = serializer.validated_data.get("template")
        title = serializer.validated_data.get("title", "")
        if template is not None:
            agreement = services.agreement_create_from_template(
                partner=partner, user=self.request.user, template=template, title=title
            )
        else:
            agreement = services.agreement_create(partner=partner, user=self.request.user, title=title)
        agreement.visible_versions = list(agreement.versions.all())
        serializer.instance = agreement

    @extend_schema(request=None, responses=VersionSerializer)
    @action(detail=True, methods=["post"])
    def drafts(self, request, pk=None):
        """Start a new draft, copied from the active version with all its rows."""
        agreement = selectors.agreement_for(user=request.user, pk=pk, action=policy.CHANGE)
        draft = services.draft_create(agreement=agreement, user=request.user)
        return Response(VersionSerializer(selectors.version_queryset().get(pk=draft.pk)).data, status=201)


class VersionPermission(permissions.BasePermission):
    """Reads for anyone the policy lets see versions; a step on one version (change, send, sign, ...)
    is decided by the policy once the version is found."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return policy.allows(user, policy.VIEW, AgreementVersion)
        # One version's step: decided once the version is found (404 out of reach, then 403).
        return True


class AgreementVersionViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Versions with their rows. Partner users see versions sent to them, never drafts.

    Host staff change a draft's fields (PATCH) and move versions through their life cycle with the
    actions send, withdraw, sign and terminate; partner managers sign.
    """

    serializer_class = VersionSerializer
    permission_classes = [VersionPermission]
    filterset_fields = ["agreement", "status", "agreement__partner"]
    http_method_names = ["get", "patch", "post", "head", "options"]
    queryset = selectors.version_queryset().none()
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return policy.scope(self.request.user, policy.VIEW, selectors.version_queryset()).order_by(
            "agreement__partner__name", "-number"
        )

    def get_object(self):
        action = {"sign": "sign", "send": "send", "withdraw": "withdraw", "terminate": "terminate"}.get(
            self.action, policy.VIEW if self.request.method in permissions.SAFE_METHODS else policy.CHANGE
        )
        return policy.get_object(self.request.user, action, self.get_queryset(), pk=self.kwargs["pk"])

    def _fresh(self, version):
        return Response(VersionSerializer(selectors.version_queryset().get(pk=version.pk)).data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.version_update(version=serializer.instance, user=self.request.user, **data)

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return self._fresh(self.get_object())

    @extend_schema(request=None, responses=VersionSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        version = services.version_send(version=self.get_object(), user=request.user)
        return self._fresh(version)

    @extend_schema(request=None, responses=VersionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        version = services.version_withdraw(version=self.get_object(), user=request.user)
        return self._fresh(version)

    @extend_schema(request=None, responses=VersionSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        version = self.get_object()
        services.version_sign(version=version, user=request.user)
        return self._fresh(version)

    @extend_schema(request=TerminateSerializer, responses=VersionSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        version = self.get_object()
        serializer = TerminateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.version_terminate(version=version, user=request.user, reason=serializer.validated_data["reason"])
        return self._fresh(version)


class RowViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Rows of a version; they change only while the version is a draft (else 400, nothing changed)."""

    filterset_fields = ["version"]
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        if not policy.can(self.request.user, policy.CHANGE, version):
            raise exceptions.PermissionDenied()
        serializer.instance = services.row_save(
            version=version, row=self.queryset.model(version=version, **data), user=self.request.user
        )

    def perform_update(self, serializer):
        row = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(row, key, value)
        serializer.instance = services.row_save(version=row.version, row=row, user=self.request.user)

    def perform_destroy(self, instance):
        services.row_delete(row=instance, user=self.request.user)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.status_code = status.HTTP_201_CREATED
        return response


class ResponsibilityViewSet(RowViewSet):
    queryset = selectors.version_rows(Responsibility)
    serializer_class = ResponsibilitySerializer


class ChannelRuleViewSet(RowViewSet):
    queryset = selectors.version_rows(ChannelRule)
    serializer_class = ChannelRuleSerializer


class EscalationStepViewSet(RowViewSet):
    queryset = selectors.version_rows(EscalationStep)
    serializer_class = EscalationStepSerializer
