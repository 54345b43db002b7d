"""The monthly scorecard review in the API: the reviews and disputes the user may see, and the steps of
the review as POST actions. Each step looks the object up in the user's view scope (404 out of reach),
asks the policy for its named action (403 when the user may only see it) and calls the one service the
pages call (kpis.reviews), so the rules, the history and the notifications are the same on both paths."""

import django_filters
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from partnerportal import policy, uploads
from partnerportal.api import DownloadNegotiation, PolicyReadOnlyViewSet

from .. import reviews, selectors
from ..models import ScorecardDispute, ScorecardReview
from .serializers import (
    DisputeAnswerSerializer,
    DisputeOpenSerializer,
    ScorecardDisputeDetailSerializer,
    ScorecardDisputeSerializer,
    ScorecardReviewDetailSerializer,
    ScorecardReviewSerializer,
)


def _organizations():
    # The partner filter's choices, narrowed to the user's view scope by ScopedFilterBackend; read
    # through the relation, as kpis reaches the partners' models only from its own models.
    return ScorecardReview._meta.get_field("partner").remote_field.model._default_manager.all()


class ReviewFilter(django_filters.FilterSet):
    month = django_filters.DateFilter(help_text="The month's first day (YYYY-MM-01)")

    class Meta:
        model = ScorecardReview
        fields = ["partner", "month", "state"]


class DisputeFilter(django_filters.FilterSet):
    partner = django_filters.ModelChoiceFilter(field_name="review__partner", queryset=_organizations())
    month = django_filters.DateFilter(field_name="review__month", help_text="The month's first day (YYYY-MM-01)")

    class Meta:
        model = ScorecardDispute
        fields = ["partner", "review", "month", "state"]


class ScorecardReviewViewSet(PolicyReadOnlyViewSet):
    """Monthly scorecard reviews, newest month first; filter by partner, month (its first day), state.
    POST …/accept/ accepts the month (partner managers); POST …/disputes/ disputes one of its figures."""

    queryset = selectors.all_reviews()
    filterset_class = ReviewFilter
    ordering_fields = ["month", "window_ends"]
    policy_actions = {"accept": "accept", "dispute": "dispute"}

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            qs = selectors.with_disputes(qs, user=self.request.user)
        return qs

    def get_serializer_class(self):
        return ScorecardReviewSerializer if self.action == "list" else ScorecardReviewDetailSerializer

    def _review_data(self, review):
        review = self.get_queryset().get(pk=review.pk)
        return Response(ScorecardReviewDetailSerializer(review, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ScorecardReviewDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the month as it stands: it is final at once (no open dispute, not final already)."""
        review = self.get_object()  # policy_actions: "accept"
        reviews.review_accept(user=request.user, review=review)
        return self._review_data(review)

    @extend_schema(
        # Declared as multipart/form-data only (a generated client needs one body type per operation);
        # a JSON body without the file is read as well.
        request={"multipart/form-data": DisputeOpenSerializer},
        responses={201: ScorecardDisputeDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="disputes", parser_classes=[JSONParser, MultiPartParser])
    def dispute(self, request, pk=None):
        """Dispute one figure of the month within its review window: the KPI (`partner_kpi`), a reason and
        evidence, your measured value and/or a file (`evidence`). Sent as multipart/form-data; without a
        file, a JSON body with the same fields is accepted too."""
        review = self.get_object()  # policy_actions: "dispute"
        data = DisputeOpenSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        dispute = reviews.dispute_open(
            user=request.user,
            review=review,
            partner_kpi=fields["partner_kpi"],
            reason=fields["reason"],
            evidence=fields.get("evidence"),
            measured_value=fields.get("measured_value"),
        )
        dispute = selectors.with_history(policy.scope(request.user, policy.VIEW, selectors.all_disputes())).get(
            pk=dispute.pk
        )
        return Response(
            ScorecardDisputeDetailSerializer(dispute, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class ScorecardDisputeViewSet(PolicyReadOnlyViewSet):
    """Disputes of scorecard figures, newest first; filter by partner, review, month, state.
    POST …/answer/ (host staff), …/withdraw/ (partner managers), …/raise/ (either side);
    GET …/evidence/ downloads the evidence file."""

    queryset = selectors.all_disputes()
    filterset_class = DisputeFilter
    ordering_fields = ["opened_at"]
    policy_actions = {
        "answer": "answer",
        "withdraw": "withdraw",
        "raise_to_agenda": "raise",
        "evidence": policy.VIEW,
    }

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            qs = selectors.with_history(qs)
        return qs

    def get_serializer_class(self):
        return ScorecardDisputeSerializer if self.action == "list" else ScorecardDisputeDetailSerializer

    def _dispute_data(self, dispute):
        dispute = self.get_queryset().get(pk=dispute.pk)
        return Response(ScorecardDisputeDetailSerializer(dispute, context=self.get_serializer_context()).data)

    @extend_schema(request=DisputeAnswerSerializer, responses=ScorecardDisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Answer an open dispute: `outcome` "correct" with the corrected value (`value`, or `numerator` and
        `denominator`; `measurement` names the month's stored value to change, left out a monthly value is
        written) or "stands"; `answer` says what was corrected or why the figure stands."""
        dispute = self.get_object()  # policy_actions: "answer"
        data = DisputeAnswerSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if fields.pop("outcome") == DisputeAnswerSerializer.STANDS:
            reviews.dispute_stands(user=request.user, dispute=dispute, answer=fields["answer"])
        else:
            reviews.dispute_correct(
                user=request.user,
                dispute=dispute,
                measurement=fields.get("measurement"),
                answer=fields["answer"],
                **{name: fields.get(name) for name in ("value", "numerator", "denominator", "sample_size")},
            )
        return self._dispute_data(dispute)

    @extend_schema(request=None, responses=ScorecardDisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw an open dispute (the figure is fine after all); the month may then be accepted."""
        dispute = self.get_object()  # policy_actions: "withdraw"
        reviews.dispute_withdraw(user=request.user, dispute=dispute)
        return self._dispute_data(dispute)

    @extend_schema(request=None, responses=ScorecardDisputeDetailSerializer)
    @action(detail=True, methods=["post"], url_path="raise", url_name="raise")
    def raise_to_agenda(self, request, pk=None):
        """Put the dispute on the next meeting's agenda (once)."""
        dispute = self.get_object()  # policy_actions: "raise"
        reviews.dispute_raise(user=request.user, dispute=dispute)
        return self._dispute_data(dispute)

    @extend_schema(
        request=None,
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The evidence file")
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=DownloadNegotiation)
    def evidence(self, request, pk=None):
        """The dispute's evidence file as a download (404 when it has none)."""
        dispute = self.get_object()
        if not dispute.evidence:
            raise Http404
        return uploads.download_response(dispute.evidence, dispute.evidence_name)
