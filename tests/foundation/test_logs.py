"""Structured logs (LOG_FORMAT=json, partnerportal/logs.py) and the request id every request gets."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from partnerportal.celery import app as celery_app
from partnerportal.logs import JsonFormatter, RequestContextFilter
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]

LOG_SCRIPT = """
import logging, os
os.environ["DJANGO_SETTINGS_MODULE"] = "partnerportal.settings"
import django
django.setup()
log = logging.getLogger("portal.check")
log.warning("hello %s", "world", extra={"partner": 7})
logging.getLogger("django.request").warning("Not Found: %s", "/x")  # Django's own console handler (DEBUG)
try:
    1 / 0
except ZeroDivisionError:
    log.exception("it broke")
"""


def _run(tmp_path, **env):
    base = {"PATH": os.environ.get("PATH", os.defpath), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "-c", LOG_SCRIPT],
        cwd=ROOT,
        env={**base, "DEBUG": "1", "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_logs_are_one_object_per_line(tmp_path):
    result = _run(tmp_path, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line, tracebacks included, is JSON
    hello, broke = (e for e in entries if e["logger"] == "portal.check")
    assert hello["message"] == "hello world"
    assert hello["level"] == "WARNING"
    assert hello["partner"] == 7
    assert hello["time"].endswith("+00:00") and "T" in hello["time"]
    assert broke["level"] == "ERROR"
    assert "ZeroDivisionError" in broke["exc_info"]
    assert [e["message"] for e in entries if e["logger"] == "django.request"] == ["Not Found: /x"]  # once


def test_the_default_is_plain_console_lines(tmp_path):
    if (ROOT / ".env").exists() and "LOG_FORMAT" in (ROOT / ".env").read_text():
        pytest.skip("the local .env sets LOG_FORMAT")
    result = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hello world\n" in result.stderr
    assert not result.stderr.lstrip().startswith("{")


def test_an_unknown_log_format_stops_the_start(tmp_path):
    result = _run(tmp_path, LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr and "ImproperlyConfigured" in result.stderr


@pytest.fixture
def json_lines():
    """The JSON lines logged to `django.request` and `portal.test` while the test runs."""
    from partnerportal import logs

    # A request of an earlier test in this thread whose response was never closed (so no
    # request_finished) would still be the current one.
    logs._request.set(None)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    loggers = [logging.getLogger("django.request"), logging.getLogger("portal.test")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@pytest.mark.django_db
def test_request_lines_carry_the_request_id_and_the_user_id(world, json_lines):
    response = client_for(world.admin).get("/no/such/page/")
    assert response.status_code == 404
    (entry,) = [e for e in json_lines() if e["logger"] == "django.request"]
    assert entry["message"] == "Not Found: /no/such/page/"
    assert entry["request_id"] == response["X-Request-ID"]
    assert len(entry["request_id"]) == 32
    assert entry["user_id"] == world.admin.pk


@pytest.mark.django_db
def test_the_load_balancers_request_id_is_kept_when_it_is_sane(json_lines):
    response = Client().get("/no/such/page/", HTTP_X_REQUEST_ID="lb-3f2a9c1d-0001")
    assert response["X-Request-ID"] == "lb-3f2a9c1d-0001"
    (entry,) = [e for e in json_lines() if e["logger"] == "django.request"]
    assert entry["request_id"] == "lb-3f2a9c1d-0001"
    assert "user_id" not in entry  # anonymous

    forged = Client().get("/no/such/page/", HTTP_X_REQUEST_ID='x"\n{"level": "ERROR"}')
    assert forged["X-Request-ID"] != 'x"\n{"level": "ERROR"}'
    assert len(forged["X-Request-ID"]) == 32


@celery_app.task(name="tests.logs.talks")
def talks():
    logging.getLogger("portal.test").warning("in a task")


def test_task_lines_carry_the_task_id(json_lines):
    result = talks.apply()
    (entry,) = json_lines()
    assert entry["message"] == "in a task"
    assert entry["task_id"] == result.id
    assert entry["task_name"] == "tests.logs.talks"
    assert "request_id" not in entry
