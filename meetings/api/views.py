from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from partnerportal import policy
from partnerportal.api import PolicyModelViewSet

from .. import agenda as agenda_module
from .. import recurrence, selectors, services
from ..models import MeetingSeries
from .serializers import (
    ActionItemSerializer,
    AgendaSerializer,
    MeetingSerializer,
    MinutesSerializer,
    MoveSerializer,
    SeriesSerializer,
    TopicSerializer,
)


def _id_filter(name, description):
    return OpenApiParameter(name, OpenApiTypes.INT, description=description)


UPCOMING = OpenApiParameter(
    "upcoming", OpenApiTypes.STR, enum=["1", "true"], description="Only meetings not yet over, without cancelled ones."
)


def _int_param(request, name):
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise exceptions.ValidationError({name: "Expected a whole number."})
    return int(value)


def _require_rule_allowed(user, rrule):
    """A custom RFC 5545 rule is the policy's "custom_rule" action (admins; the page offers none): a rule
    is custom when none of the form's choices (every n weeks on a weekday, every n months on a weekday
    or a day, quarterly) expresses it, e.g. "FREQ=WEEKLY;BYDAY=MO,TH" or a bare "FREQ=MONTHLY"."""
    if not rrule or policy.allows(user, "custom_rule", MeetingSeries):
        return
    try:
        recurrence.validate_rrule(rrule)
        pattern, _ = recurrence.describe(rrule)
    except ValueError:
        return  # not a valid rule: the service answers 400 with what is wrong with it
    if pattern == recurrence.CUSTOM:
        raise exceptions.PermissionDenied()


@extend_schema_view(list=extend_schema(parameters=[_id_filter("partner", "Only this partner's series.")]))
class SeriesViewSet(PolicyModelViewSet):
    """Meeting series; host staff create and edit them (occurrences follow), partners read theirs."""

    queryset = selectors.series_rows()
    serializer_class = SeriesSerializer
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return selectors.api_series(user=self.request.user, partner_id=_int_param(self.request, "partner"))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        _require_rule_allowed(self.request.user, data.get("rrule"))
        partner = data.pop("partner")
        serializer.instance = services.series_create(user=self.request.user, partner=partner, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "partner" in data and data.pop("partner") != serializer.instance.partner:
            raise exceptions.ValidationError({"partner": "A series cannot move to another partner."})
        if data.get("rrule") and recurrence.normalise(data["rrule"]) != recurrence.normalise(serializer.instance.rrule):
            _require_rule_allowed(self.request.user, data["rrule"])
        serializer.instance = services.series_update(user=self.request.user, series=serializer.instance, **data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _id_filter("partner", "Only this partner's meetings."),
            _id_filter("series", "Only this series' meetings."),
            UPCOMING,
        ]
    )
)
class MeetingViewSet(PolicyModelViewSet):
    """Meetings (occurrences and one-offs), with move/cancel/held/minutes actions and the agenda."""

    queryset = selectors.meeting_rows()
    policy_actions = {"move": policy.CHANGE, "cancel": policy.CHANGE, "held": policy.CHANGE, "minutes": policy.CHANGE}
    serializer_class = MeetingSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.api_meetings(
            user=self.request.user,
            partner_id=_int_param(self.request, "partner"),
            series_id=_int_param(self.request, "series"),
            upcoming=self.request.query_params.get("upcoming") in ("1", "true"),
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        for name in ("minutes", "decisions"):
            data.pop(name, None)
        serializer.instance = services.meeting_create(user=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "start" in data or "end" in data:
            raise exceptions.ValidationError({"start": "Use the move action to change the time."})
        data.pop("partner", None)
        serializer.instance = services.meeting_update(user=self.request.user, meeting=serializer.instance, **data)

    def _host_action(self, request, fn, meeting=None, **kwargs):
        meeting = meeting or self.get_object()  # 404 out of reach, 403 unless the user may change it
        meeting = fn(user=request.user, meeting=meeting, **kwargs)
        return Response(MeetingSerializer(meeting, context=self.get_serializer_context()).data)

    @extend_schema(request=MoveSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        meeting = self.get_object()
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._host_action(request, services.meeting_move, meeting, **data.validated_data)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._host_action(request, services.meeting_cancel)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def held(self, request, pk=None):
        return self._host_action(request, services.meeting_mark_held)

    @extend_schema(request=MinutesSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        meeting = self.get_object()
        data = MinutesSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        response = self._host_action(
            request,
            services.meeting_record_minutes,
            meeting,
            minutes=values["minutes"],
            decisions=values["decisions"],
            present=values.get("present"),
        )
        if values["publish"]:
            response = self._host_action(request, services.meeting_publish_minutes, meeting)
        return response

    @extend_schema(responses=AgendaSerializer)
    @action(detail=True, methods=["get"])
    def agenda(self, request, pk=None):
        meeting = self.get_object()
        data = agenda_module.build_agenda(meeting=meeting, user=request.user)
        context = self.get_serializer_context()
        return Response(
            {
                "meeting": meeting.pk,
                "period": [d.isoformat() for d in data["period"]],
                "frozen": data["frozen"],
                "kpis": data["kpis"],
                "host_kpis": data["host_kpis"],
                "open_actions": ActionItemSerializer(data["open_actions"], many=True, context=context).data,
                "overdue_actions": ActionItemSerializer(data["overdue_actions"], many=True, context=context).data,
                "topics": TopicSerializer(data["topics"], many=True, context=context).data,
                "extra": [
                    {
                        "key": e["key"],
                        "title": e["title"],
                        "items": [
                            {
                                "title": str(i.get("title", "")),
                                "url": i.get("url", ""),
                                "detail": str(i.get("detail", "")),
                            }
                            for i in e["items"]
                        ],
                    }
                    for e in data["extra"]
                ],
            }
        )


@extend_schema_view(list=extend_schema(parameters=[_id_filter("meeting", "Only this meeting's topics.")]))
class TopicViewSet(PolicyModelViewSet):
    """Agenda topics: either side adds them to their meetings; partners never see internal ones."""

    queryset = selectors.topic_rows()
    serializer_class = TopicSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.api_topics(user=self.request.user, meeting_id=_int_param(self.request, "meeting"))

    def perform_create(self, serializer):
        # The serializer takes the meeting from the user's reach only: another partner's meeting
        # answers like a missing one ("Invalid pk").
        data = serializer.validated_data
        serializer.instance = services.topic_add(
            user=self.request.user,
            meeting=data["meeting"],
            title=data.get("title", ""),
            description=data.get("description", ""),
            internal=data.get("internal", False),
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "meeting" in data and data.pop("meeting") != serializer.instance.meeting:
            raise exceptions.ValidationError({"meeting": "A topic cannot move to another meeting."})
        serializer.instance = services.topic_update(user=self.request.user, topic=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.topic_delete(user=self.request.user, topic=instance)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=["open", "overdue", "done"]),
            _id_filter("partner", "Only this partner's action items."),
            OpenApiParameter("mine", OpenApiTypes.STR, enum=["1", "true"], description="Only items the caller owns."),
        ]
    )
)
class ActionItemViewSet(PolicyModelViewSet):
    """Action items: host staff create and edit; owners (either side) update their own items' status."""

    queryset = selectors.action_item_rows()
    serializer_class = ActionItemSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        state = self.request.query_params.get("state", "")
        if state not in ("", "open", "overdue", "done"):
            raise exceptions.ValidationError({"state": "One of open, overdue, done."})
        return selectors.api_action_items(
            user=user,
            state=state,
            partner_id=_int_param(self.request, "partner"),
            mine=self.request.query_params.get("mine") in ("1", "true"),
        )

    def policy_action(self) -> str:
        # An owner's PATCH of the status alone is the "set_status" action; any other change is host work.
        if self.action == "partial_update" and set(self.request.data) <= {"status"}:
            return "set_status"
        return super().policy_action()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("status", None)
        serializer.instance = services.action_item_create(user=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "partner" in data and data.pop("partner") != serializer.instance.partner:
            raise exceptions.ValidationError({"partner": "An action item cannot move to another partner."})
        serializer.instance = services.action_item_update(user=self.request.user, item=serializer.instance, **data)
