from django.utils import timezone

from .models import Notification, NotificationStatus


def inbox(*, user):
    """The user's in-portal notifications that are due (not withdrawn, not scheduled ahead)."""
    return Notification.objects.filter(recipient=user, send_at__lte=timezone.now()).exclude(
        status=NotificationStatus.WITHDRAWN
    )


def unread_count(*, user) -> int:
    return inbox(user=user).filter(read_at__isnull=True).count()
