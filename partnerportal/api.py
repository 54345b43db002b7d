"""Shared API layer: the policy-aware viewset base, the error format and /api/me/.

The error format: every error under /api/ answers JSON, `{"detail": "<message>"}`, or for bad
input a 400 with the messages per field (`{"<field>": ["<message>", ...], "non_field_errors": [...]}`).
That holds for errors DRF's handler sees (`exception_handler`), for unhandled exceptions in a view
(`ApiErrorMiddleware`) and for errors raised before a view runs, e.g. in a middleware or when the
URL matches nothing (`handler400/403/404/500`, wired in the root URLconf). A database that cannot
be reached answers 503, any other database or server error 500; the traceback is logged.
"""

import logging
import sys

from django.conf import settings
from django.core import signals
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, set_rollback
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


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"


class ServerError(exceptions.APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_code = "server_error"


logger = logging.getLogger("partnerportal.api")

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 30


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def server_error_for(exc) -> exceptions.APIException:
    """The API error for an exception nothing else handled: 503 when the database cannot be
    reached (try again), else 500. The message never carries the exception's own text."""
    if isinstance(exc, OperationalError):
        return DatabaseUnavailable(_("The database cannot be reached right now. Try again in a moment."))
    return ServerError(_("A server error occurred. It has been logged."))


def error_response(error: exceptions.APIException) -> JsonResponse:
    """The API's JSON error body outside DRF (middleware, handler404/500)."""
    response = JsonResponse({"detail": str(error.detail)}, status=error.status_code)
    if error.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError from services as a 400 with messages, a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE as a 413 that says the limit (not Django's bare 400 page), and a
    database error as a 503 (unreachable) or 500 in the same format instead of the HTML 500 page."""
    if isinstance(exc, DatabaseError):
        request = context.get("request")
        logger.error("API database error: %s", getattr(request, "path", ""), exc_info=exc)
        set_rollback()
        error = server_error_for(exc)
        response = Response({"detail": error.detail}, status=error.status_code)
        if error.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
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


class ApiErrorMiddleware:
    """Unhandled exceptions of views under /api/ answer the JSON error format (500, or 503 when the
    database is unreachable), never the HTML 500 page. Listed first in MIDDLEWARE so that every
    other middleware's process_exception (e.g. axes's lock-out) runs before it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api_request(request) or isinstance(exception, Http404 | DjangoPermissionDenied):
            return None  # Django's own handling (handler404 / handler403 below) answers those
        logger.error("API error: %s", request.path, exc_info=exception)
        # As Django does for uncaught exceptions: error reporters and the test client hear of it.
        signals.got_request_exception.send(sender=self.__class__, request=request)
        return error_response(server_error_for(exception))


def handler400(request, exception=None):
    if is_api_request(request):
        return error_response(exceptions.ParseError(_("Bad request.")))
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if is_api_request(request):
        return error_response(exceptions.PermissionDenied())
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    """A URL under /api/ that matches nothing (also a non-numeric id: lookups take digits only)."""
    if is_api_request(request):
        return error_response(exceptions.NotFound())
    return defaults.page_not_found(request, exception)


def handler500(request):
    """Also reached for exceptions raised in a middleware, before any view (e.g. the session or
    token lookup when the database is down); the exception is still being handled here."""
    if is_api_request(request):
        return error_response(server_error_for(sys.exc_info()[1]))
    return defaults.server_error(request)


VIEWSET_ACTIONS = {
    "list": policy.VIEW,
    "retrieve": policy.VIEW,
    "metadata": policy.VIEW,
    "create": policy.ADD,
    "update": policy.CHANGE,
    "partial_update": policy.CHANGE,
    "destroy": policy.DELETE,
}


class DownloadNegotiation(BaseContentNegotiation):
    """For an action that answers a file: whatever the client accepts (the file's type, octet-stream,
    */*), the file is the answer, not a 406; an error is still the API's JSON (the first renderer)."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


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


# --- OpenAPI schema -------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "The API's error format: what went wrong, in the caller's language.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Bad input: the messages per field (`non_field_errors` for the whole input), or a `detail` message.",
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {},
}
ERROR_RESPONSES = {
    "400": ("ValidationError", "Bad input; nothing was changed."),
    "401": ("Error", "Not signed in: no session and no valid `Authorization: Token <key>`."),
    "403": ("Error", "Signed in, but the role may not do this."),
    "404": ("Error", "No such object, or not one the caller may see (ids are numbers)."),
    "413": ("Error", "The request body is larger than the upload limit."),
    "503": ("Error", "The database cannot be reached right now; try again (see Retry-After)."),
}


class PortalAutoSchema(AutoSchema):
    """Request bodies are declared as JSON only; a view that sets its own parsers (a file upload's
    multipart) declares those. The API still parses form posts, but a generated client needs one
    body type per operation, not three."""

    def map_parsers(self):
        if list(self.view.parser_classes) == list(api_settings.DEFAULT_PARSER_CLASSES):
            return [JSONParser.media_type]
        return super().map_parsers()


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error responses of the API's error format on every
    operation (413 only where a body is sent, 404 only where the path names an object)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "put", "patch", "post", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, (component, description) in ERROR_RESPONSES.items():
                if code == "413" and "requestBody" not in operation:
                    continue
                if code == "404" and "{" not in path:
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
    return result


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related field whose choices are the objects the requesting user may see (the policy's scope).

    An id of an object out of the user's reach (another partner's, an internal one) and an id that
    does not exist get the same answer, DRF's own "Invalid pk "N" - object does not exist.", so a
    guessed id tells nothing. Give the model, or a queryset to narrow it further (e.g. active
    partners only); the view scope of the user is applied on top.
    """

    def __init__(self, model=None, **kwargs):
        queryset = kwargs.pop("queryset", None)
        if queryset is None and model is not None and not kwargs.get("read_only"):
            queryset = model._default_manager.all()
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
