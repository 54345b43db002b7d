from datetime import date
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.fields import empty
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from partnerportal import policy
from partnerportal.api import PolicyReadOnlyViewSet
from partnerportal.filters import ScopedFilterBackend
from partners import selectors as partner_selectors

from .. import figures, importing, selectors, services
from ..models import Measurement, Source
from .pagination import MeasurementCursorPagination
from .serializers import (
    BulkErrorSerializer,
    BulkItemSerializer,
    BulkResultSerializer,
    BulkSerializer,
    KPIDefinitionSerializer,
    KPITargetSerializer,
    MeasurementSerializer,
    PartnerKPISerializer,
    ScorecardSerializer,
)

MAX_BULK_ITEMS = 10_000
GRANULARITIES = ("week", "month", "quarter", "year")


class KPIDefinitionViewSet(viewsets.ReadOnlyModelViewSet):
    """KPI definitions: all for host staff; partner users see those of their shared KPIs."""

    serializer_class = KPIDefinitionSerializer
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"\d+"
    search_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.definitions_for(user=self.request.user).order_by("-is_standard", "name")


class PartnerKPIViewSet(PolicyReadOnlyViewSet):
    """KPIs assigned to partners, with the targets in force today."""

    queryset = selectors.all_partner_kpis()
    serializer_class = PartnerKPISerializer
    filterset_fields = ["partner", "shared"]

    def get_queryset(self):
        return selectors.with_current_targets(super().get_queryset(), day=timezone.localdate())


class KPITargetViewSet(PolicyReadOnlyViewSet):
    """Targets with their history (valid_from / valid_to)."""

    queryset = selectors.target_queryset()
    serializer_class = KPITargetSerializer
    filterset_fields = ["partner", "partner_kpi", "horizon"]


@extend_schema_view(
    list=extend_schema(
        description=(
            "Newest first, by period start and then id. Paged by cursor: 50 rows a page (`page_size` up to 500); "
            "follow the `next` link (it keeps your filters) until it is null. There is no `count` and no page "
            "number, and the order is fixed (no `ordering`)."
        ),
        parameters=[
            OpenApiParameter("kpi", OpenApiTypes.STR, description="KPI code"),
            OpenApiParameter("site", OpenApiTypes.STR, description="Site code"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="Periods starting on or after this day"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Periods starting on or before this day"),
        ],
    )
)
class MeasurementViewSet(PolicyReadOnlyViewSet):
    """Measurements; filter by partner, kpi (code), site (code), period_kind, source, start, end.

    The list pages by cursor (`MeasurementCursorPagination`): no COUNT over millions of rows and no
    OFFSET, so a deep page costs what page 1 costs. The order is fixed, (-period_start, -id), which
    the cursor depends on, so the ordering filter is left out; other list endpoints keep page numbers.
    """

    queryset = selectors.all_measurements()
    serializer_class = MeasurementSerializer
    pagination_class = MeasurementCursorPagination
    filter_backends = [ScopedFilterBackend]
    filterset_fields = ["partner", "period_kind", "source"]

    def get_queryset(self):
        qs = (
            super()
            .get_queryset()
            .select_related(None)
            .annotate(kpi_code=F("kpi__code"), site_code=F("site__code"))
            .order_by("-period_start", "-id")
        )
        params = self.request.query_params
        if params.get("kpi"):
            qs = qs.filter(kpi__code=params["kpi"])
        if params.get("site"):
            qs = qs.filter(site__code=params["site"])
        for name, lookup in (("start", "period_start__gte"), ("end", "period_start__lte")):
            if params.get(name):
                try:
                    qs = qs.filter(**{lookup: date.fromisoformat(params[name])})
                except ValueError:
                    raise exceptions.ValidationError({name: _("Use a date as YYYY-MM-DD.")}) from None
        return qs


class MeasurementBulkView(APIView):
    """Ingestion for a warehouse system: all or nothing, idempotent by partner/KPI/period/site.

    Body: {"measurements": [{"partner": 12, "kpi": "error-rate", "period_kind": "day",
    "period_start": "2026-03-01", "site": "AAR1", "numerator": 3, "denominator": 1200}, ...]}.
    Answers 200 with counts {created, updated, unchanged}, or 400 with the errors per item index.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(request=BulkSerializer, responses={200: BulkResultSerializer, 400: BulkErrorSerializer})
    def post(self, request):
        user = request.user
        if not policy.allows(user, policy.ADD, Measurement):
            raise exceptions.PermissionDenied()
        payload = request.data
        if isinstance(payload, list):
            payload = {"measurements": payload}
        raw = _plain_measurements(payload)
        if raw is None:  # anything out of the ordinary: the serializer's checks and messages
            serializer = BulkSerializer(data=payload)
            serializer.is_valid(raise_exception=True)
            raw = serializer.validated_data["measurements"]
        if not raw:
            raise exceptions.ValidationError({"measurements": [_("The list of measurements is empty.")]})
        if len(raw) > MAX_BULK_ITEMS:
            message = _("At most %(n)d measurements per call.") % {"n": MAX_BULK_ITEMS}
            raise exceptions.ValidationError({"measurements": [message]})
        default = user.organization if policy.partner_ids(user) else None
        items = importing.build_items([dict(r) for r in raw], user=user, default_partner=default)
        try:
            result = services.measurements_upsert(user=user, items=items, source=Source.API)
        except ValidationError as exc:
            problems = getattr(exc, "problems", None)
            if problems is None:
                raise
            return Response(
                {"detail": exc.messages[0], "errors": problems, "created": 0, "updated": 0, "unchanged": 0},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(result.as_dict(), status=status.HTTP_200_OK)


class _TextField(NamedTuple):
    name: str
    max_length: int
    required: bool
    blank: bool  # may be blank or null
    default: object  # what a missing field reads as (None: left out)


def _bulk_item_fields() -> tuple[tuple[_TextField, ...], tuple[str, ...]]:
    """BulkItemSerializer's text fields and number fields, read from the serializer itself (so the
    fast path below cannot drift from it). Anything else in it would need its own reading here."""
    texts, numbers = [], []
    for name, field in BulkItemSerializer().fields.items():
        if type(field) is serializers.JSONField and field.allow_null and not field.required:
            numbers.append(name)
        elif type(field) is serializers.CharField and field.trim_whitespace and field.min_length is None:
            if field.allow_blank != field.allow_null:
                raise ImproperlyConfigured(f"BulkItemSerializer.{name}: blank and null are allowed together or not")
            default = None if field.default is empty else field.default
            texts.append(_TextField(name, field.max_length, field.required, field.allow_blank, default))
        else:
            raise ImproperlyConfigured(f"BulkItemSerializer.{name}: a {type(field).__name__} the fast path cannot read")
    return tuple(texts), tuple(numbers)


_TEXT_FIELDS, _NUMBER_FIELDS = _bulk_item_fields()


def _plain_text(value, max_length):
    """A text field as BulkItemSerializer reads it (trimmed), or None when it would not take it as is."""
    if type(value) is not str:
        return None
    text = value.strip()
    if len(text) > max_length or "\x00" in text:
        return None
    try:
        text.encode("utf-8")  # no lone surrogates (the serializer refuses them)
    except UnicodeEncodeError:
        return None
    return text


def _plain_measurements(payload) -> list[dict] | None:
    """The items of an ordinary payload, as BulkSerializer would validate them, without its cost per
    field (a fifth of a 100-row post): JSON objects whose text fields are strings within their length
    and whose numbers are numbers, strings or null. None for anything else, which then goes through
    the serializer (its messages for what it refuses, its reading of what it accepts)."""
    if type(payload) is not dict or type(payload.get("measurements")) is not list:
        return None
    items = []
    for item in payload["measurements"]:
        if type(item) is not dict:
            return None
        clean = {}
        for name, max_length, required, blank, default in _TEXT_FIELDS:
            if name not in item:
                if required:
                    return None
                if default is not None:
                    clean[name] = default
                continue
            value = item[name]
            if value is None:
                if not blank:
                    return None
                clean[name] = None
                continue
            text = _plain_text(value, max_length)
            if text is None or (text == "" and not blank):
                return None
            clean[name] = text
        for name in _NUMBER_FIELDS:
            if name in item:
                value = item[name]
                if value is not None and type(value) not in (int, float, str):
                    return None
                clean[name] = value
        items.append(clean)
    return items


class ScorecardView(APIView):
    """The partner's scorecard: ?granularity=week|month|quarter|year&day=YYYY-MM-DD."""

    permission_classes = [IsAuthenticated]
    serializer_class = ScorecardSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("granularity", OpenApiTypes.STR, enum=list(GRANULARITIES), default="month"),
            OpenApiParameter("day", OpenApiTypes.DATE, description="A day in the period (default today)"),
        ]
    )
    def get(self, request, partner_pk):
        partner = partner_selectors.partner_detail(user=request.user, pk=partner_pk)
        day = request.query_params.get("day")
        try:
            day = date.fromisoformat(day) if day else None
        except ValueError:
            raise exceptions.ValidationError({"day": _("Use a date as YYYY-MM-DD.")}) from None
        granularity = request.query_params.get("granularity", "month")
        if granularity not in GRANULARITIES:
            raise exceptions.ValidationError({"granularity": _("One of week, month, quarter, year.")})
        card = selectors.scorecard(user=request.user, partner=partner, granularity=granularity, day=day)
        return Response(
            {
                "partner": partner.pk,
                "granularity": card.granularity,
                "period": card.label,
                "start": card.start,
                "end": card.end,
                "overall_score": figures.number(card.overall, 1),
                # The host's half ("How we do"), never mixed into the partner's overall score.
                "overall_score_host": figures.number(card.overall_host, 1),
                "results": [r.to_json() for r in card.results],
            }
        )
