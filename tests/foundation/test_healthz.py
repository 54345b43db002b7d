import time

import pytest

from partnerportal.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    connect = celery_app.connection_for_write
    # Nothing listens on port 1: the broker is "down".
    monkeypatch.setattr(celery_app, "connection_for_write", lambda *a, **kw: connect("redis://127.0.0.1:1/0"))
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    from django.db import connection

    if connection.vendor == "postgresql":
        # The probe opens its own connection: nothing listens on port 1, the database is "down".
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    else:

        def broken_cursor(*args, **kwargs):
            raise ConnectionError("database down")

        monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
