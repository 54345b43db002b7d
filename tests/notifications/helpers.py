import threading
from datetime import timedelta

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from partnerportal.notifications.models import Notification


def make(user, key="test:1", **fields):
    values = {
        "kind": "system",
        "subject": f"Subject {key}",
        "body": f"Body of {key}",
        "send_at": timezone.now() - timedelta(minutes=1),
    }
    values.update(fields)
    return Notification.objects.create(recipient=user, key=key, **values)


def make_many(user, count, prefix="bulk", **fields):
    send_at = fields.pop("send_at", timezone.now() - timedelta(minutes=1))
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            key=f"{prefix}:{i}",
            kind="system",
            subject=f"Subject {i}",
            body=f"Body {i}",
            send_at=send_at,
            **fields,
        )
        for i in range(count)
    )


class CountingBackend(BaseEmailBackend):
    """A thread-safe e-mail backend that records the notification key of every message sent.

    It sleeps a little per message so that two dispatchers really overlap in time.
    """

    lock = threading.Lock()
    sent: list[str] = []
    delay = 0.002

    def send_messages(self, messages):
        import time

        for message in messages:
            time.sleep(self.delay)
            with self.lock:
                self.sent.append(message.extra_headers.get("X-Portal-Notification", ""))
        return len(messages)

    @classmethod
    def reset(cls):
        with cls.lock:
            cls.sent = []


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server is down")
