"""The relations API. Each viewset's rows come from a relations selector (already restricted by the
access policy, as PolicyViewSetMixin restricts them); `queryset` only names the model whose
permissions PolicyPermission asks about."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from partnerportal import policy
from partnerportal.api import PolicyCreateListRetrieveViewSet, PolicyReadOnlyViewSet, PolicyViewSetMixin

from .. import selectors, services
from ..models import (
    Case,
    Engagement,
    HealthSnapshot,
    Kudos,
    Notice,
    RoadmapComment,
    RoadmapItem,
    SurveyRound,
    TimelineEvent,
)
from .serializers import (
    CaseActionCreatedSerializer,
    CaseActionSerializer,
    CaseMeasurementSerializer,
    CaseSerializer,
    CaseStatusSerializer,
    DetailSerializer,
    EngagementSerializer,
    HealthSnapshotSerializer,
    HostRoadmapItemSerializer,
    KudosSerializer,
    NoticeSerializer,
    RoadmapCommentSerializer,
    RoadmapItemSerializer,
    SurveyAnswerSerializer,
    SurveyRoundSerializer,
    TimelineEventSerializer,
)


class NoticeViewSet(PolicyCreateListRetrieveViewSet):
    """Notices. POST creates one (the other side is notified); POST …/acknowledge/ acknowledges."""

    queryset = Notice.objects.none()
    serializer_class = NoticeSerializer
    # The service asks the policy for "acknowledge" after saying why a step is not possible.
    policy_actions = {"acknowledge": policy.VIEW}
    filterset_fields = ["partner", "kind", "severity", "side"]
    ordering_fields = ["posted_at", "affected_from"]

    def get_queryset(self):
        return selectors.api_notices(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.notice_post(user=self.request.user, **serializer.validated_data)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        notice = self.get_object()
        # Who may acknowledge at all is the policy's; which notice (the other side's, not yet
        # acknowledged) the service says, after saying why a step is not possible.
        if not policy.allows(request.user, "acknowledge", Notice):
            raise PermissionDenied
        notice = services.notice_acknowledge(user=request.user, notice=notice)
        return Response(NoticeSerializer(notice, context={"request": request}).data)


class CaseViewSet(PolicyViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Cases. PATCH edits the blameless fields; POST …/status/ moves it; POST …/acknowledge/."""

    queryset = Case.objects.none()
    serializer_class = CaseSerializer
    # Each step looks the case up (404 out of reach) and then asks the policy for its own action.
    policy_actions = {
        "acknowledge": policy.VIEW,
        "set_status": policy.CHANGE,
        "attach_file": policy.VIEW,
        "link_measurement": policy.CHANGE,
        "agree_action": "agree_action",
    }
    filterset_fields = ["partner", "status", "side"]
    ordering_fields = ["raised_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.api_cases(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.case_raise(
            user=self.request.user,
            partner=data["partner"],
            title=data["title"],
            what_happened=data["what_happened"],
            impact=data.get("impact", ""),
        )

    def perform_update(self, serializer):
        fields = {k: v for k, v in serializer.validated_data.items() if k in services.CASE_TEXT_FIELDS}
        serializer.instance = services.case_update(user=self.request.user, case=serializer.instance, **fields)

    @extend_schema(request=CaseStatusSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        case = self.get_object()  # policy_actions: change
        data = CaseStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_set_status(user=request.user, case=case, **data.validated_data)
        return Response(CaseSerializer(case, context={"request": request}).data)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        case = self.get_object()
        if not policy.allows(request.user, "acknowledge", Case):  # e.g. partner viewers: 403, not a state 400
            raise PermissionDenied
        case = services.case_acknowledge(user=request.user, case=case)
        return Response(CaseSerializer(case, context={"request": request}).data)

    def _case_data(self, case, status_code=status.HTTP_200_OK):
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseSerializer(case, context={"request": self.request}).data, status=status_code)

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        responses={201: CaseSerializer},
    )
    @action(detail=True, methods=["post"], url_path="files", parser_classes=[MultiPartParser])
    def attach_file(self, request, pk=None):
        """Attach a file as a fact (multipart field `file`; the page's type and size limits apply)."""
        case = self.get_object()
        uploaded = request.FILES.get("file")
        if uploaded is None:
            raise ValidationError({"file": [_("Choose a file to upload.")]})
        services.case_attach_file(user=request.user, case=case, uploaded=uploaded)
        return self._case_data(case, status.HTTP_201_CREATED)

    @extend_schema(request=CaseMeasurementSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="measurements")
    def link_measurement(self, request, pk=None):
        """Link a measurement of the case's partner as a fact: {"measurement": id}."""
        case = self.get_object()  # policy_actions: change
        # The field looks the measurement up in the user's scope: out of reach answers like missing.
        data = CaseMeasurementSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.case_link_measurement(user=request.user, case=case, measurement=data.validated_data["measurement"])
        return self._case_data(case)

    @extend_schema(request=CaseActionSerializer, responses={201: CaseActionCreatedSerializer})
    @action(detail=True, methods=["post"], url_path="actions")
    def agree_action(self, request, pk=None):
        """Agree an action on the case (an action item of the meetings app): title, owner, due_date."""
        case = self.get_object()  # policy_actions: "agree_action"
        data = CaseActionSerializer(data=request.data, case=case, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        item = services.case_agree_action(user=request.user, case=case, **data.validated_data)
        return Response(
            {"id": item.pk, "title": item.title, "owner": item.owner_id, "due_date": item.due_date},
            status=status.HTTP_201_CREATED,
        )


class KudosViewSet(PolicyCreateListRetrieveViewSet):
    queryset = Kudos.objects.none()
    serializer_class = KudosSerializer
    filterset_fields = ["partner", "side"]

    def get_queryset(self):
        return selectors.api_kudos(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.kudos_give(user=self.request.user, **serializer.validated_data)


class EngagementViewSet(
    PolicyViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = Engagement.objects.none()
    serializer_class = EngagementSerializer
    filterset_fields = ["partner", "kind", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.api_engagements(user=self.request.user)

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        participants = data.pop("participants", None)
        for key, value in data.items():
            setattr(instance, key, value)
        serializer.instance = services.engagement_save(
            user=self.request.user, engagement=instance, participants=participants
        )

    def perform_create(self, serializer):
        self._save(serializer, Engagement())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class RoadmapItemViewSet(
    PolicyViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Roadmap items; partner users see only the plans shared with them (without the share list)."""

    queryset = RoadmapItem.objects.none()
    filterset_fields = ["category", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.api_roadmap_items(user=self.request.user)

    def get_serializer_class(self):
        if policy.allows(self.request.user, "see_sharing", RoadmapItem):
            return HostRoadmapItemSerializer
        return RoadmapItemSerializer

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        shared_with = data.pop("shared_with", None)
        for key, value in data.items():
            setattr(instance, key, value)
        serializer.instance = services.roadmap_save(user=self.request.user, item=instance, shared_with=shared_with)

    def perform_create(self, serializer):
        self._save(serializer, RoadmapItem())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class RoadmapCommentViewSet(PolicyCreateListRetrieveViewSet):
    queryset = RoadmapComment.objects.none()
    serializer_class = RoadmapCommentSerializer
    filterset_fields = ["item", "partner"]

    def get_queryset(self):
        return selectors.api_roadmap_comments(user=self.request.user)

    def perform_create(self, serializer):
        # The serializer takes the plan and the partner from the user's reach only (else "Invalid pk").
        data = serializer.validated_data
        serializer.instance = services.roadmap_comment(
            user=self.request.user,
            item=data["item"],
            body=data["body"],
            is_idea=data.get("is_idea", False),
            partner=data.get("partner"),
        )


class SurveyRoundViewSet(PolicyCreateListRetrieveViewSet):
    """Survey rounds with their results (hidden for anonymous rounds under 3 answers); POST …/answer/."""

    queryset = SurveyRound.objects.none()
    serializer_class = SurveyRoundSerializer
    filterset_fields = ["partner", "anonymous"]

    def get_queryset(self):
        return selectors.api_survey_rounds(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.survey_round_create(user=self.request.user, **data)

    @extend_schema(request=SurveyAnswerSerializer, responses={201: DetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=PolicyViewSetMixin.permission_classes[:1])
    def answer(self, request, pk=None):
        # Answering is open to every invitee (viewers too), so only view scope is needed here.
        survey = selectors.survey_detail(user=request.user, pk=pk)
        data = SurveyAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.survey_answer(user=request.user, survey=survey, **data.validated_data)
        return Response({"detail": "Thank you for your answer."}, status=status.HTTP_201_CREATED)


class HealthSnapshotViewSet(PolicyReadOnlyViewSet):
    queryset = HealthSnapshot.objects.none()
    serializer_class = HealthSnapshotSerializer
    filterset_fields = ["partner", "month"]

    def get_queryset(self):
        return selectors.api_health_snapshots(user=self.request.user)


class TimelineEventViewSet(PolicyReadOnlyViewSet):
    queryset = TimelineEvent.objects.none()
    serializer_class = TimelineEventSerializer
    filterset_fields = ["partner", "category"]

    def get_queryset(self):
        return selectors.api_timeline_events(user=self.request.user)
