"""Prometheus metrics (partnerportal/metrics.py): what /metrics shows, and to whom.

tests/settings.py turns METRICS_ENABLED on; the default (off) is checked against the real settings.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from partnerportal.celery import app as celery_app
from partnerportal.notifications.models import Notification, NotificationStatus
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-" + "t" * 40

pytestmark = pytest.mark.django_db


@celery_app.task(name="tests.metrics.succeeds")
def succeeds():
    return "ok"


@celery_app.task(name="tests.metrics.fails")
def fails():
    raise ValueError("broken on purpose")


def _samples(response) -> dict:
    """{(sample name, frozenset(labels)): value} of a Prometheus text exposition."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _scrape(**extra):
    return _samples(Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **extra))


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


# --- What the scrape shows -------------------------------------------------------------------


def test_request_latency_by_url_name_not_by_path(world):
    key = (
        "portal_http_request_duration_seconds_count",
        frozenset({"view": "partners:detail", "method": "GET", "status": "2xx"}.items()),
    )
    before = _scrape().get(key, 0)
    client = client_for(world.admin)
    for partner in (world.partner_a, world.partner_b):
        assert client.get(reverse("partners:detail", args=[partner.pk])).status_code == 200
    assert client.get("/no/such/page/").status_code == 404

    samples = _scrape()
    assert samples[key] == before + 2  # two partners' pages, one series
    bucket = dict(key[1] | {("le", "+Inf")})
    assert samples[("portal_http_request_duration_seconds_bucket", frozenset(bucket.items()))] == before + 2
    unresolved = (
        "portal_http_request_duration_seconds_count",
        frozenset({"view": "<unresolved>", "method": "GET", "status": "4xx"}.items()),
    )
    assert samples[unresolved] >= 1
    labels = {dict(labels).get("view") for name, labels in samples if name.startswith("portal_http_request")}
    assert not any(view and view.startswith("/") for view in labels), labels  # no raw paths


def test_outbox_depth_and_age_of_the_oldest_due_row(world, django_assert_num_queries):
    now = timezone.now()
    user = world.user("partner_manager")

    def notification(key, **fields):
        return Notification.objects.create(recipient=user, key=key, kind="test", subject="s", body="b", **fields)

    before = _scrape()
    assert before[("portal_notification_outbox_depth", frozenset())] == 0
    assert before[("portal_notification_outbox_oldest_due_age_seconds", frozenset())] == 0

    notification("due-old", send_at=now - timedelta(hours=2))
    notification("due-new", send_at=now - timedelta(minutes=1))
    notification("later", send_at=now + timedelta(hours=1))  # not due yet
    notification("sent", send_at=now - timedelta(days=3), status=NotificationStatus.SENT, sent_at=now)
    notification("failed", send_at=now - timedelta(days=3), status=NotificationStatus.FAILED)
    # claimed by a dispatcher that is still at it: not due; claimed by one that died: due again
    notification("sending", send_at=now - timedelta(days=5), status=NotificationStatus.SENDING, claimed_at=now)
    notification(
        "stale",
        send_at=now - timedelta(minutes=30),
        status=NotificationStatus.SENDING,
        claimed_at=now - timedelta(hours=1),
    )

    with django_assert_num_queries(1):  # both gauges from one aggregate query, whatever the rows
        samples = _scrape()
    assert samples[("portal_notification_outbox_depth", frozenset())] == 3
    age = samples[("portal_notification_outbox_oldest_due_age_seconds", frozenset())]
    assert 2 * 3600 <= age < 2 * 3600 + 60


def test_celery_task_outcomes_and_run_time():
    def outcome(samples, task, state):
        return samples.get(("portal_celery_tasks_total", frozenset({"task": task, "state": state}.items())), 0)

    def runs(samples, task):
        return samples.get(("portal_celery_task_duration_seconds_count", frozenset({"task": task}.items())), 0)

    before = _scrape()
    assert succeeds.apply().get() == "ok"
    assert succeeds.apply().successful()
    assert fails.apply().failed()
    after = _scrape()

    assert (
        outcome(after, "tests.metrics.succeeds", "success") == outcome(before, "tests.metrics.succeeds", "success") + 2
    )
    assert outcome(after, "tests.metrics.fails", "failure") == outcome(before, "tests.metrics.fails", "failure") + 1
    assert outcome(after, "tests.metrics.succeeds", "failure") == outcome(before, "tests.metrics.succeeds", "failure")
    assert runs(after, "tests.metrics.succeeds") == runs(before, "tests.metrics.succeeds") + 2
    assert runs(after, "tests.metrics.fails") == runs(before, "tests.metrics.fails") + 1


def test_celery_task_retry_is_counted():
    @celery_app.task(name="tests.metrics.retries", bind=True, max_retries=1, default_retry_delay=0)
    def retries(self):
        if self.request.retries < 1:
            raise self.retry(exc=ValueError("once more"))
        return "done"

    key = ("portal_celery_tasks_total", frozenset({"task": "tests.metrics.retries", "state": "retry"}.items()))
    before = _scrape().get(key, 0)
    retries.apply()
    assert _scrape()[key] == before + 1


# --- Who may read it -------------------------------------------------------------------------


def test_anonymous_is_asked_for_a_token():
    response = Client().get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"portal_" not in response.content


def test_a_wrong_token_is_refused_even_for_an_admin(world):
    for client in (Client(), client_for(world.admin)):
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
        assert response.status_code == 401
        assert b"portal_" not in response.content


def test_no_token_configured_means_no_token_is_accepted(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


@pytest.mark.parametrize("role", ["manager", "partner_manager", "partner_viewer"])
def test_signed_in_users_other_than_host_admins_are_refused(world, role):
    response = client_for(world.user(role)).get("/metrics")
    assert response.status_code == 403
    assert b"portal_" not in response.content


def test_a_host_admin_may_read_it(world):
    assert "portal_notification_outbox_depth" in str(_samples(client_for(world.admin).get("/metrics")))


def test_allowed_addresses(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert Client().get("/metrics", REMOTE_ADDR="192.168.1.9").status_code == 401
    # A forwarded-for header is whatever the client claims; only the connection's address counts.
    assert Client().get("/metrics", REMOTE_ADDR="192.168.1.9", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 401
    assert _samples(Client().get("/metrics", REMOTE_ADDR="10.1.2.3"))
    # An allowed address with a wrong token is still refused.
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_the_scraper_may_use_a_replica_address_and_plain_http(settings):
    """Prometheus scrapes each web replica by its own address (a Host that ALLOWED_HOSTS does not
    list), over plain HTTP inside the private network, also where the portal redirects to HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    assert _scrape(HTTP_HOST="172.18.0.5:8000")
    # Without the token the same request is a bad host, as for any page.
    assert Client().get("/metrics", HTTP_HOST="172.18.0.5:8000").status_code in (301, 400)
    assert Client().get("/metrics", HTTP_HOST="172.18.0.5:8000", HTTP_AUTHORIZATION="Bearer x").status_code in (
        301,
        400,
    )


def test_only_get(world):
    response = Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405


# --- Off ------------------------------------------------------------------------------------


def test_off_is_404_for_everyone_and_times_nothing(settings, world):
    settings.METRICS_ENABLED = False
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404
    assert client_for(world.admin).get("/metrics").status_code == 404
    assert Client().get("/metrics").status_code == 404
    labels = {"view": "healthz", "method": "GET", "status": "2xx"}
    before = REGISTRY.get_sample_value("portal_http_request_duration_seconds_count", labels)
    assert Client().get("/healthz").status_code == 200
    assert REGISTRY.get_sample_value("portal_http_request_duration_seconds_count", labels) == before


def _settings_value(name, **env):
    base = {"PATH": os.environ.get("PATH", os.defpath), "HOME": os.environ.get("HOME", "/tmp")}
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'partnerportal.settings'; "
        f"from django.conf import settings; print(repr(settings.{name}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_metrics_are_off_by_default(tmp_path):
    if (ROOT / ".env").exists() and "METRICS_ENABLED" in (ROOT / ".env").read_text():
        pytest.skip("the local .env sets METRICS_ENABLED")
    result = _settings_value("METRICS_ENABLED", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_bad_allowed_address_stops_the_start(tmp_path):
    result = _settings_value("METRICS_ALLOWED_IPS", VAR_DIR=str(tmp_path), METRICS_ALLOWED_IPS="10.0.0.0/8,intranet")
    assert result.returncode != 0
    assert "METRICS_ALLOWED_IPS" in result.stderr and "ImproperlyConfigured" in result.stderr
