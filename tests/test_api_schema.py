"""Property-based requests over the whole OpenAPI schema: no input, valid or not, answers a 5xx.

Schemathesis generates requests for every operation of /api/schema/ (data that fits the schema and
data that does not) and sends them to the WSGI application in-process, with an admin's and a
partner manager's token. Each request runs in a savepoint that is rolled back, so the examples do
not depend on each other. Derandomized and bounded per operation, so the run is repeatable and
takes about a minute.
"""

import json
import time
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.generation import GenerationMode

from kpis.models import KPIDefinition, Measurement, PartnerKPI
from relations.models import Notice
from tests.conftest import client_for

EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}


@contextmanager
def wsgi_app():
    """The project's WSGI application, called in-process. As Django's test client does, the request
    signals must not close the connection, which holds the test's transaction (and Django's test
    client connects them again after each of its own requests, so this wraps the calls only)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_data(world):
    """A few real objects, so that small generated ids (1, 2, ...) also reach existing rows."""
    from datetime import date

    kpi = KPIDefinition.objects.filter(is_active=True).first()
    if kpi is not None:
        PartnerKPI.objects.get_or_create(partner=world.partner_a, kpi=kpi, defaults={"shared": True})
        Measurement.objects.create(
            partner=world.partner_a, kpi=kpi, period_kind="day", period_start=date(2026, 3, 1), value=1
        )
    Notice.objects.create(
        partner=world.partner_a,
        side="host",
        kind="other",
        title="Planned stop",
        affected_from="2026-03-01T08:00:00Z",
        posted_by=world.manager,
    )
    return world


def _schema(world):
    response = client_for(world.admin).get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _server_errors(schema, app, token):
    """Send the generated requests; return a description of every 5xx (empty when none)."""
    problems = []
    headers = {"Authorization": f"Token {token}"}

    for result in schema.get_all_operations():
        operation = result.ok()
        started = time.monotonic()
        for mode, examples in EXAMPLES_PER_OPERATION.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=["explicit", "generate"],
            )
            def run(case):
                with transaction.atomic():
                    response = case.call(app=app, headers=headers)
                    transaction.set_rollback(True)
                if response.status_code >= 500:
                    problems.append(
                        f"{response.status_code} {case.method} {case.formatted_path} query={case.query} "
                        f"body={json.dumps(case.body, default=str)[:300]} -> {response.text[:300]}"
                    )

            try:
                run()
            except Unsatisfiable:
                # No request of this mode exists (e.g. nothing to break in an operation without input).
                continue
        print(f"{operation.label}: {time.monotonic() - started:.1f}s")
    return problems


@pytest.mark.parametrize("role", ["admin", "partner_manager"])
def test_no_generated_request_answers_a_server_error(api_data, role):
    world = api_data
    token = Token.objects.create(user=world.user(role)).key
    schema = schemathesis.openapi.from_dict(_schema(world))
    with wsgi_app() as app:
        problems = _server_errors(schema, app, token)
    assert not problems, "\n".join(problems)
