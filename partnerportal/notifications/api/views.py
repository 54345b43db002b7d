import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from partnerportal import policy

from .. import selectors, services
from ..models import Notification
from .serializers import NotificationSerializer, ReadAllSerializer


class NotificationFilter(django_filters.FilterSet):
    # A strict choice (not BooleanFilter, which silently ignores "unread=maybe"): bad input is a 400.
    unread = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_unread",
        label="Only unread (true) or only read (false)",
    )

    class Meta:
        model = Notification
        fields = ["kind", "unread"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own notifications (due ones), newest first; mark one or all read.

    The queryset comes from `selectors.inbox()`, which applies the access policy and narrows it
    to the recipient, so another person's notification answers 404 here too.
    """

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = NotificationFilter
    search_fields = ["subject", "body"]
    ordering_fields = ["send_at"]
    lookup_value_regex = r"\d+"
    queryset = Notification.objects.none()  # for the schema; real rows come from get_queryset()

    def get_queryset(self):
        return selectors.inbox(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = selectors.notification_for(user=request.user, pk=pk, action=policy.CHANGE)
        services.mark_read(notification=notification)
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=ReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = services.mark_all_read(notifications=selectors.inbox(user=request.user))
        return Response({"marked": marked, "unread": selectors.unread_count(user=request.user)})
