"""The database fails and comes back: restarted, frozen, locked up (PostgreSQL only)."""

import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from partnerportal.wsgi import application
from tests.factories import UserFactory

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL behaviour")
pytestmark = [needs_postgres, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]


def _raw_connection():
    """A second, independent session on the test database (as another client would have)."""
    return connection.get_new_connection(connection.get_connection_params())


def _wsgi_get(path, cookie=""):
    """One request through the WSGI application, as gunicorn sends it (the test client leaves out
    Django's per-request connection housekeeping, which is exactly what is tested here)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": cookie,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status = []
    body = b"".join(application(environ, lambda s, headers, exc_info=None: status.append(s)))
    return int(status[0].split()[0]), body


def test_settings_turn_on_health_checks_and_timeouts():
    db = settings.DATABASES["default"]
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["connect_timeout"] == settings.DB_CONNECT_TIMEOUT == 5
    assert settings.DB_STATEMENT_TIMEOUT_MS == 30_000
    assert settings.DB_TASK_STATEMENT_TIMEOUT_MS > settings.DB_STATEMENT_TIMEOUT_MS


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_by_the_server_is_replaced_before_the_next_request(monkeypatch):
    user = UserFactory(username="persistent")
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    # Persistent connections as in production (the test run itself may have them off).
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)

    status, _body = _wsgi_get(reverse("profile"), cookie)
    assert status == 200
    assert connection.connection is not None, "the connection should be kept for the next request"
    first_pid = connection.connection.info.backend_pid

    # The server ends the session (as a PostgreSQL restart does) between two requests.
    killer = _raw_connection()
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [first_pid])
            assert cursor.fetchone()[0] is True
    finally:
        killer.close()
    time.sleep(0.2)

    status, body = _wsgi_get(reverse("profile"), cookie)
    assert status == 200, body[:500]
    assert connection.connection.info.backend_pid != first_pid
    connection.close()


@pytest.mark.django_db
def test_healthz_answers_503_quickly_when_the_database_cannot_serve_reads(client):
    # Another session holds a lock that every read of the table waits for (a stuck migration,
    # a frozen database): the probe gives up after its short statement timeout.
    holder = _raw_connection()
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE django_migrations IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
    assert response.json()["broker"] == "ok"
    assert elapsed < 3.5, f"/healthz took {elapsed:.1f} s"


@pytest.mark.django_db
def test_healthz_answers_503_quickly_when_the_database_never_answers(client, monkeypatch):
    # A server that accepts the TCP connection and then says nothing (a frozen PostgreSQL).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(silent.getsockname()[1]))
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=2)
        for sock in accepted:
            sock.close()
        silent.close()
    assert accepted, "the probe should have connected to the silent server"
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
    assert elapsed < 3.5, f"/healthz took {elapsed:.1f} s"


SHOW_AND_SLEEP = """
import time
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    print("timeout", cursor.fetchone()[0])
started = time.monotonic()
try:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(1.5)")
    print("sleep finished")
except Exception as exc:
    print("sleep cancelled", type(exc).__name__, str(exc).splitlines()[0], round(time.monotonic() - started, 1))
"""


def _run(args, **extra_env):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        **extra_env,
    }
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.django_db
def test_a_web_process_statement_is_cancelled_after_the_web_timeout():
    script = "import django\ndjango.setup()\n" + SHOW_AND_SLEEP
    out = _run(["-c", script], DB_STATEMENT_TIMEOUT_MS="300", DB_TASK_STATEMENT_TIMEOUT_MS="5000")
    assert "timeout 300ms" in out
    assert "sleep cancelled" in out and "statement timeout" in out, out
    assert float(out.split()[-1]) < 1.2


@pytest.mark.django_db
def test_management_commands_and_celery_workers_get_the_longer_task_timeout():
    env = {"DB_STATEMENT_TIMEOUT_MS": "300", "DB_TASK_STATEMENT_TIMEOUT_MS": "5000"}
    out = _run(["manage.py", "shell", "-c", SHOW_AND_SLEEP], **env)
    assert "timeout 5s" in out and "sleep finished" in out, out

    # A Celery worker: the worker start signals switch the process before any task runs.
    worker = (
        "import django\ndjango.setup()\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n"  # a connection opened before the switch follows it too
        "from partnerportal.celery import app\n"
        "from celery.signals import worker_process_init\n"
        "worker_process_init.send(sender=None)\n" + SHOW_AND_SLEEP
    )
    out = _run(["-c", worker], **env)
    assert "timeout 5s" in out and "sleep finished" in out, out
