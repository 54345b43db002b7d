"""Log lines as JSON (LOG_FORMAT=json), and the request id / user id / task id they carry.

RequestContextMiddleware gives each request an id (the load balancer's X-Request-ID when it sends a
sane one, else a new one), answers it in the X-Request-ID header and keeps the request at hand for
the log filter until the request is finished. RequestContextFilter puts `request_id`, `user_id`
(once the request's user is known) and, in a Celery worker, `task_id` / `task_name` on every
record; JsonFormatter writes one JSON object per line with time, level, logger and message and
those fields.
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils.functional import empty

_request = contextvars.ContextVar("portal_request", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        # Kept until request_finished: Django logs a 4xx/5xx response ("Not Found: ...") after the
        # middleware chain has returned.
        _request.set(request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


@receiver(request_finished, dispatch_uid="partnerportal.logs.forget_request")
def _forget_request(**kwargs):
    _request.set(None)


def _user_id(request):
    """The signed-in user's id, but only if the request has already loaded its user: a log line never
    costs a query."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


def _task():
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return None
    # current_task is a proxy: false outside a task
    if not current_task or getattr(current_task.request, "id", None) is None:
        return None
    return current_task


class RequestContextFilter(logging.Filter):
    def filter(self, record):
        request = _request.get()
        if request is not None:
            record.request_id = getattr(request, "request_id", None)
            record.user_id = _user_id(request)
        task = _task()
        if task is not None:
            record.task_id = task.request.id
            record.task_name = task.name
        return True


# The attributes every LogRecord has; anything else on a record was passed as `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
CONTEXT_FIELDS = ("request_id", "user_id", "task_id", "task_name")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context fields
    that are known, the `extra=` fields and, for an exception, its traceback as `exc_info`."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and name not in CONTEXT_FIELDS and name not in entry and name[0] != "_":
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
