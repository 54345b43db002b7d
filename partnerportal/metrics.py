"""Prometheus metrics, on when METRICS_ENABLED is set (off by default).

Series (all prefixed `portal_`):

- `portal_http_request_duration_seconds{view, method, status}`: a histogram of request latency per
  view. `view` is the URL pattern's name as the resolver knows it ("partners:detail",
  "api:measurement-list"), never the raw path, so the number of series is bounded by the URL
  configuration; requests that match no pattern are `view="<unresolved>"`. `status` is the class
  ("2xx", "4xx", ...). Static files (answered by WhiteNoise) are not timed.
- `portal_notification_outbox_depth`: notifications that are due and not sent (the rows the
  dispatcher would claim now), read at scrape time.
- `portal_notification_outbox_oldest_due_age_seconds`: how long the oldest of them has been due
  (0 when none is).
- `portal_celery_tasks_total{task, state}`: task outcomes, state one of success / failure / retry.
- `portal_celery_task_duration_seconds{task}`: a histogram of task run time.

Several processes (gunicorn workers, Celery's prefork children) each count their own; with
PROMETHEUS_MULTIPROC_DIR set (an empty directory, shared by the processes of one machine or
container, wiped at start) prometheus_client keeps the values in files there and a scrape adds
them up. A Celery worker serves its own metrics on METRICS_WORKER_PORT (the web processes do not
see the worker machines' counters).

Who may read /metrics (MetricsView, and MetricsMiddleware for the scraper): a request with
`Authorization: Bearer $METRICS_TOKEN`, a request from an address in METRICS_ALLOWED_IPS, or a
signed-in host admin. Anyone else: 401 (not signed in) or 403; with metrics off, 404.
"""

import hmac
import ipaddress
import logging
import os
import time
from datetime import timedelta

from celery.signals import task_failure, task_postrun, task_prerun, task_retry, task_success
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed, PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import View
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder

from partnerportal import policy

logger = logging.getLogger(__name__)

UNRESOLVED = "<unresolved>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by URL pattern name.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
TASK_OUTCOMES = Counter(
    "portal_celery_tasks",
    "Celery task outcomes by task name and state (success, failure, retry).",
    ["task", "state"],
)
TASK_DURATION = Histogram(
    "portal_celery_task_duration_seconds",
    "Run time of Celery tasks, by task name.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 1800.0),
)


def enabled() -> bool:
    return bool(getattr(settings, "METRICS_ENABLED", False))


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


# --- What a scrape shows ---------------------------------------------------------------------


class OutboxCollector:
    """The outbox's backlog, read at scrape time in one aggregate query over the due-index.

    "Due" as the dispatcher (notifications/dispatch.py, claim_due) sees it: pending with send_at
    reached, or claimed by a dispatcher longer ago than NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS.
    """

    def collect(self):
        from django.db import DatabaseError
        from django.db.models import Count, Min, Q

        from partnerportal.notifications.models import Notification, NotificationStatus

        now = timezone.now()
        stale_before = now - timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS)
        due = Q(status=NotificationStatus.PENDING, send_at__lte=now) | Q(
            status=NotificationStatus.SENDING, claimed_at__lt=stale_before
        )
        try:
            row = Notification.objects.filter(due).aggregate(depth=Count("id"), oldest=Min("send_at"))
        except DatabaseError as exc:  # the scrape still shows the rest; the gauges are absent
            logger.warning("metrics: the outbox could not be read: %s", exc.__class__.__name__)
            return
        depth = GaugeMetricFamily(
            "portal_notification_outbox_depth", "Notifications that are due and not sent yet (the outbox backlog)."
        )
        depth.add_metric([], row["depth"])
        age = GaugeMetricFamily(
            "portal_notification_outbox_oldest_due_age_seconds",
            "Seconds since the oldest unsent due notification became due (0 when none is due).",
        )
        age.add_metric([], max((now - row["oldest"]).total_seconds(), 0.0) if row["oldest"] else 0.0)
        yield depth
        yield age


class _Scrape:
    """The collectors of one scrape: this process's (or all processes' in multiprocess mode) and,
    on the web side, the outbox."""

    def __init__(self, *, outbox: bool):
        self.outbox = outbox

    def collect(self):
        if multiprocess_dir():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        if self.outbox:
            yield from OutboxCollector().collect()


def exposition(*, outbox: bool = True, accept: str = "") -> tuple[bytes, str]:
    """What this process (or, in multiprocess mode, its machine's processes) counts, and its content
    type: the format the scraper's Accept header asks for (OpenMetrics for Prometheus), else the
    classic text format 0.0.4."""
    encoder, content_type = choose_encoder(accept)
    return encoder(_Scrape(outbox=outbox)), content_type


def _metrics_response(request) -> HttpResponse:
    body, content_type = exposition(accept=request.META.get("HTTP_ACCEPT", ""))
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# --- Who may read them -----------------------------------------------------------------------


def _networks():
    return [ipaddress.ip_network(entry, strict=False) for entry in getattr(settings, "METRICS_ALLOWED_IPS", [])]


def _bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def token_matches(request) -> bool:
    expected = getattr(settings, "METRICS_TOKEN", "")
    given = _bearer(request)
    return bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())


def address_allowed(request) -> bool:
    """REMOTE_ADDR only: X-Forwarded-For is whatever the client says. Behind the load balancer every
    request comes from the proxy's address, so the proxy refuses /metrics itself (deploy/nginx.conf)."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks())


def is_scraper(request) -> bool:
    """The right bearer token, or no token at all from an allowed address (a wrong token is refused)."""
    if _bearer(request) is not None:
        return token_matches(request)
    return address_allowed(request)


def _unauthorized() -> HttpResponse:
    response = HttpResponse("Authentication required.\n", status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


@method_decorator(never_cache, name="dispatch")
class MetricsView(View):
    """/metrics: the Prometheus text format for the scraper (token or address) and host admins."""

    http_method_names = ["get"]

    def get(self, request):
        if not enabled():
            raise Http404
        if _bearer(request) is not None and not token_matches(request):
            return _unauthorized()  # a wrong token is refused, whoever is signed in
        if is_scraper(request) or policy.is_admin(request.user):
            return _metrics_response(request)
        if request.user.is_authenticated:
            raise PermissionDenied
        return _unauthorized()


# --- Request latency -------------------------------------------------------------------------


def _view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED
    return match.view_name  # the dotted path of the view for an unnamed pattern


class MetricsMiddleware:
    """Times each request by URL pattern name; answers the scraper's GET /metrics itself.

    Sits near the top of MIDDLEWARE (under ApiErrorMiddleware). The scraper (right token or
    allowed address) is answered here, before host validation and the HTTPS redirect: Prometheus
    addresses each web replica by its own address inside the private network, a Host that
    ALLOWED_HOSTS does not list, over plain HTTP. Everyone else goes on to MetricsView.
    Not loaded at all when METRICS_ENABLED is off.
    """

    def __init__(self, get_response):
        if not enabled():
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.path = "/metrics"
        self.static_prefix = settings.STATIC_URL or "/static/"

    def __call__(self, request):
        if request.path_info == self.path and request.method == "GET" and is_scraper(request):
            return _metrics_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        view = _view_label(request)
        if view == UNRESOLVED and request.path_info.startswith(self.static_prefix):
            return response  # WhiteNoise's static files
        method = request.method if request.method in METHODS else "other"
        REQUEST_LATENCY.labels(view, method, f"{response.status_code // 100}xx").observe(time.perf_counter() - started)
        return response


# --- Celery ----------------------------------------------------------------------------------

_task_started: dict[str, float] = {}


def _task_name(sender=None, task=None) -> str:
    task = task or sender
    return getattr(task, "name", None) or str(task)


@task_prerun.connect
def _task_prerun(task_id=None, task=None, **kwargs):
    if enabled() and task_id:
        _task_started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_postrun(task_id=None, task=None, **kwargs):
    started = _task_started.pop(task_id, None)
    if enabled() and started is not None:
        TASK_DURATION.labels(_task_name(task=task)).observe(time.perf_counter() - started)


@task_success.connect
def _task_success(sender=None, **kwargs):
    if enabled():
        TASK_OUTCOMES.labels(_task_name(sender), "success").inc()


@task_failure.connect
def _task_failure(sender=None, **kwargs):
    if enabled():
        TASK_OUTCOMES.labels(_task_name(sender), "failure").inc()


@task_retry.connect
def _task_retry(sender=None, **kwargs):
    if enabled():
        TASK_OUTCOMES.labels(_task_name(sender), "retry").inc()


def serve_worker_metrics():
    """A worker serves its counters on METRICS_WORKER_PORT (an HTTP server in the main process;
    with PROMETHEUS_MULTIPROC_DIR it adds up the prefork children). No authentication: the port
    must only be reachable from the private network (docker-compose.yml publishes it nowhere).
    Called from partnerportal/celery.py on worker_init."""
    port = int(getattr(settings, "METRICS_WORKER_PORT", 0) or 0)
    if not enabled() or not port:
        return
    from prometheus_client import start_http_server

    if not multiprocess_dir():
        logger.warning("METRICS_WORKER_PORT without PROMETHEUS_MULTIPROC_DIR: a prefork worker's tasks are not seen")
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    start_http_server(port, addr=getattr(settings, "METRICS_WORKER_ADDR", "0.0.0.0"), registry=registry)  # noqa: S104
