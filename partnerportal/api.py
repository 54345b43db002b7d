"""Shared API layer: the policy-aware viewset base, the error format and /api/me/."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from partnerportal import policy

ACTION_FOR_METHOD = {
    "GET": policy.VIEW,
    "HEAD": policy.VIEW,
    "OPTIONS": policy.VIEW,
    "POST": policy.ADD,
    "PUT": policy.CHANGE,
    "PATCH": policy.CHANGE,
    "DELETE": policy.DELETE,
}


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError from services as a 400 with messages, and a
    body over DATA_UPLOAD_MAX_MEMORY_SIZE as a 413 that says the limit (not Django's bare 400 page)."""
    if isinstance(exc, RequestDataTooBig):
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        exc = RequestTooLarge(_("The request body is larger than %(mb)g MB.") % {"mb": limit_mb})
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


VIEWSET_ACTIONS = {
    "list": policy.VIEW,
    "retrieve": policy.VIEW,
    "metadata": policy.VIEW,
    "create": policy.ADD,
    "update": policy.CHANGE,
    "partial_update": policy.CHANGE,
    "destroy": policy.DELETE,
}


class PolicyPermission(permissions.BasePermission):
    """The access policy's answer for the viewset's action (see `PolicyViewSetMixin.policy_action`).

    A request about one object is decided when the object is looked up (`get_object`), so an
    object out of the user's reach answers 404 whatever the user's role, and a visible object the
    user may not act on answers 403. Other requests ask whether the role may take the action at all.
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if view.is_object_request():
            return True
        return policy.allows(request.user, view.policy_action(), view.queryset.model)


class PolicyViewSetMixin:
    """Querysets of every API viewset come from the access policy.

    Objects outside the user's view scope answer 404; objects the user may see but not act on
    answer 403. `policy_actions` maps a viewset action (e.g. "acknowledge") to the policy's
    named action; the standard ones map to view/add/change/delete.
    """

    permission_classes = [permissions.IsAuthenticated, PolicyPermission]
    policy_actions: dict = {}
    # Ids are numbers: anything else is a missing object (404), never a 500.
    lookup_value_regex = r"[0-9]+"

    def policy_action(self) -> str:
        if self.action in self.policy_actions:
            return self.policy_actions[self.action]
        if self.action in VIEWSET_ACTIONS:
            return VIEWSET_ACTIONS[self.action]
        return ACTION_FOR_METHOD.get(self.request.method, policy.CHANGE)

    def is_object_request(self) -> bool:
        return (self.lookup_url_kwarg or self.lookup_field) in self.kwargs

    def get_queryset(self):
        return policy.scope(self.request.user, policy.VIEW, super().get_queryset())

    def get_object(self):
        obj = super().get_object()
        action = self.policy_action()
        if action != policy.VIEW and not policy.can(self.request.user, action, obj):
            raise exceptions.PermissionDenied()
        return obj


class PolicyReadOnlyViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class PolicyModelViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    pass


class PolicyCreateListRetrieveViewSet(PolicyViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    pass


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField()
    organization = serializers.DictField(allow_null=True)
    language = serializers.CharField()
    time_zone = serializers.CharField()


class MeView(APIView):
    """The signed-in user: identity, organisation, role and preferences."""

    serializer_class = MeSerializer

    def get(self, request):
        user = request.user
        organization = user.organization
        data = {
            "id": user.pk,
            "username": user.username,
            "full_name": user.get_full_name(),
            "email": user.email,
            "role": policy.role_of(user),
            "organization": {"id": organization.pk, "name": organization.name, "kind": organization.kind}
            if organization
            else None,
            "language": user.language,
            "time_zone": user.time_zone,
        }
        return Response(MeSerializer(data).data)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related field whose choices are the objects the requesting user may see (the policy's scope).

    An id of an object out of the user's reach (another partner's, an internal one) and an id that
    does not exist get the same answer, DRF's own "Invalid pk "N" - object does not exist.", so a
    guessed id tells nothing. Give the model (or an "app_label.Model" label) or a queryset to narrow
    it further (e.g. active partners only); the view scope of the user is applied on top.
    """

    def __init__(self, model=None, **kwargs):
        queryset = kwargs.pop("queryset", None)
        if queryset is None and model is not None and not kwargs.get("read_only"):
            if isinstance(model, str):
                from django.apps import apps

                try:
                    model = apps.get_model(model)
                except LookupError:  # an optional app that is not installed: the view answers for it
                    model = None
            queryset = model._default_manager.all() if model is not None else None
        super().__init__(queryset=queryset, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        if queryset is None:
            raise ImproperlyConfigured(f"{self.field_name}: the related model is not installed")
        request = self.context.get("request")
        if request is None:
            # A programming error, not bad input: without the user there is no scope to check against.
            raise ImproperlyConfigured(f"{type(self.root).__name__} needs the request in its context")
        return policy.scope(request.user, policy.VIEW, queryset)
