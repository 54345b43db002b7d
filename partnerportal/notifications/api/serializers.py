from rest_framework import serializers

from .. import selectors
from ..models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Link inside the portal (relative), or empty.")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "url", "partner", "send_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return selectors.safe_url(obj.url)

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked as read.")
    unread = serializers.IntegerField()
