"""Metrics of several processes add up (prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR):
separate Python processes, a Celery worker's metrics port, and gunicorn with three workers."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "multi-" + "p" * 40

SETUP = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "partnerportal.settings"
import django
django.setup()
from partnerportal import metrics
"""


def _env(tmp_path, **extra):
    prom = tmp_path / "prom"
    prom.mkdir(exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "METRICS_ENABLED": "1",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(prom),
        **extra,
    }


def _run(code, env):
    return subprocess.run(
        [sys.executable, "-c", SETUP + code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _python(code, env):
    result = _run(code, env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _value(text, name, **labels):
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening_port(log: Path, process, timeout=60) -> int:
    """The port gunicorn bound, read from its JSON log line "Listening at: http://127.0.0.1:<port>"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if match := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace")):
            return int(match.group(1))
        assert process.poll() is None, f"gunicorn exited: {log.read_text(errors='replace')[-3000:]}"
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not say where it listens: {log.read_text(errors='replace')[-3000:]}")


def _get(url, headers=None, attempts=1):
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
    raise AssertionError("unreachable")


def test_separate_processes_add_up_and_the_worker_port_serves_them(tmp_path):
    env = _env(tmp_path)
    record = """
metrics.REQUEST_LATENCY.labels("partners:detail", "GET", "2xx").observe(0.2)
metrics.TASK_OUTCOMES.labels("kpis.refresh", "success").inc()
print(os.getpid())
"""
    pids = {_python(record, env).strip() for _ in range(3)}
    assert len(pids) == 3

    serve = """
import urllib.request
from django.test import override_settings
with override_settings(METRICS_WORKER_PORT={port}, METRICS_WORKER_ADDR="127.0.0.1"):
    metrics.serve_worker_metrics()
print(urllib.request.urlopen("http://127.0.0.1:{port}/metrics", timeout=10).read().decode())
"""
    for attempt in range(3):
        # The worker's port is a setting (a fixed number): another process may take the free port
        # between the probe and the bind; then try another one.
        result = _run(serve.replace("{port}", str(_free_port())), env)
        if result.returncode == 0 or "Address already in use" not in result.stderr or attempt == 2:
            break
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert (
        _value(text, "portal_http_request_duration_seconds_count", view="partners:detail", method="GET", status="2xx")
        == 3
    )
    assert _value(
        text, "portal_http_request_duration_seconds_sum", view="partners:detail", method="GET", status="2xx"
    ) == (pytest.approx(0.6))
    assert _value(text, "portal_celery_tasks_total", task="kpis.refresh", state="success") == 3
    assert "portal_notification_outbox_depth" not in text  # the web side's


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "gunicorn").exists(), reason="gunicorn is not installed")
def test_gunicorn_workers_add_up_and_log_json(tmp_path):
    env = _env(tmp_path, LOG_FORMAT="json")
    out, err = (tmp_path / "out.log").open("w"), (tmp_path / "err.log").open("w")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "partnerportal.wsgi:application",
            "-c",
            "python:partnerportal.gunicorn_conf",
            "--bind",
            "127.0.0.1:0",  # gunicorn binds a free port itself (no probe-then-bind race); its log says which
            "--workers",
            "3",
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=err,
    )
    try:
        base = f"http://127.0.0.1:{_listening_port(tmp_path / 'err.log', server)}"
        assert _get(f"{base}/accounts/login/", attempts=120)[0] == 200
        for _ in range(11):
            assert _get(f"{base}/accounts/login/")[0] == 200
        status, text = _get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}", "Host": "172.18.0.5:8000"})
        assert status == 200, text[:500]
        counted = _value(text, "portal_http_request_duration_seconds_count", view="login", method="GET", status="2xx")
        assert _get(f"{base}/metrics")[0] == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
        out.close()
        err.close()
    lines = [line for path in ("out.log", "err.log") for line in (tmp_path / path).read_text().splitlines() if line]
    entries = [json.loads(line) for line in lines]  # every line of gunicorn and the portal is JSON
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert all("GET /" in e["message"] for e in access)
    # All that the workers served (a first try that timed out while they booted is served as well).
    served = [e for e in access if '"GET /accounts/login/ HTTP/1.1" 200' in e["message"]]
    assert len(served) >= 12
    assert counted == len(served)
    assert any(e["logger"] == "django.request" and e["message"] == "Unauthorized: /metrics" for e in entries)
