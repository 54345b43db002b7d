"""Property-based requests over the whole OpenAPI schema: no input, valid or not, answers a 5xx.

Schemathesis generates requests for every operation of /api/schema/ (data that fits the schema and
data that does not) and sends them to the WSGI application in-process, with an admin's and a
partner manager's token. Each request runs in a savepoint that is rolled back, so the examples do
not depend on each other. Derandomized and bounded per operation, so the run is repeatable and
takes about a minute.
"""

import contextlib
import json
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
    """A few real objects; generated ids are drawn from theirs half of the time, so requests reach
    existing rows (and their actions), not only 404s."""
    from datetime import date

    from agreements import services as agreements_services
    from tests.kpis.helpers import internal_kpi, setup_partner

    assignments = setup_partner(world.partner_a) if KPIDefinition.objects.filter(code="error-rate").exists() else []
    kpi = internal_kpi()
    assignment, _ = PartnerKPI.objects.get_or_create(partner=world.partner_a, kpi=kpi)
    measurement = Measurement.objects.create(
        partner=world.partner_a, kpi=kpi, period_kind="day", period_start=date(2026, 3, 1), value=1
    )
    notice = Notice.objects.create(
        partner=world.partner_a,
        side="host",
        kind="other",
        severity="low",
        title="Planned stop",
        affected_from="2026-03-01T08:00:00Z",
        posted_by=world.manager,
    )
    agreement = agreements_services.agreement_create(partner=world.partner_a, user=world.admin)
    objects = [world.partner_a, world.partner_b, assignment, measurement, notice, agreement, *assignments]
    objects += list(agreement.versions.all())
    if assignments:  # a month under review with a dispute (and its evidence file), so its steps are reached
        from tests.kpis.access import _dispute

        dispute = _dispute(world, world.partner_a)
        objects += [dispute, dispute.review]
    world.known_ids = sorted({obj.pk for obj in objects})
    return world


def _schema(world):
    response = client_for(world.admin).get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _run_examples(operation, mode, app, headers, known_ids, problems, answered):
    """Send up to EXAMPLES_PER_OPERATION[mode] generated requests of one operation."""
    positive = mode == GenerationMode.POSITIVE

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION[mode],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=["explicit", "generate"],
    )
    def run(case, data):
        if positive:
            for name in list(case.path_parameters or {}):
                if data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(known_ids))
        with transaction.atomic():
            response = case.call(app=app, headers=headers)
            transaction.set_rollback(True)
        answered.setdefault(operation.label, set()).add(response.status_code)
        if response.status_code >= 500:
            problems.append(
                f"{response.status_code} {case.method} {case.formatted_path} query={case.query} "
                f"body={json.dumps(case.body, default=str)[:300]} -> {response.text[:300]}"
            )

    with contextlib.suppress(Unsatisfiable):  # no request of this mode exists for the operation
        run()


def _server_errors(schema, app, token, known_ids):
    """Send the generated requests; return every 5xx (empty when none) and the statuses per operation."""
    problems, answered = [], {}
    headers = {"Authorization": f"Token {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        raw = operation.definition.raw
        has_input = bool(raw.get("parameters") or raw.get("requestBody"))
        for mode in EXAMPLES_PER_OPERATION:
            if mode == GenerationMode.NEGATIVE and not has_input:
                continue  # nothing to get wrong
            _run_examples(operation, mode, app, headers, known_ids, problems, answered)
    return problems, answered


@pytest.mark.parametrize("role", ["admin", "partner_manager"])
def test_no_generated_request_answers_a_server_error(api_data, role):
    world = api_data
    token = Token.objects.create(user=world.user(role)).key
    schema = schemathesis.openapi.from_dict(_schema(world))
    with wsgi_app() as app:
        problems, answered = _server_errors(schema, app, token, world.known_ids)
    assert not problems, "\n".join(problems)
    # The run reached the application: every operation was called, many of them successfully.
    assert len(answered) == sum(1 for _ in schema.get_all_operations()), sorted(answered)
    succeeded = [label for label, codes in answered.items() if any(200 <= c < 300 for c in codes)]
    print(f"{role}: {len(answered)} operations, {len(succeeded)} answered 2xx at least once")
    assert len(succeeded) >= 20, answered


# --- the schema says what the API does --------------------------------------------------------


@pytest.fixture
def openapi(world):
    return _schema(world)


def _operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


# The operations that take a file: a case's file, and a scorecard dispute with its evidence file.
FILE_UPLOADS = {"/api/cases/{id}/files/", "/api/scorecard-reviews/{id}/disputes/"}


def test_request_bodies_are_json_only_and_multipart_only_for_the_file_uploads(openapi):
    for path, method, operation in _operations(openapi):
        if "requestBody" not in operation:
            continue
        media = set(operation["requestBody"]["content"])
        expected = {"multipart/form-data"} if path in FILE_UPLOADS else {"application/json"}
        assert media == expected, (method, path, media)


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("/api/kpis/measurements/", {"kpi", "site", "start", "end", "partner", "period_kind"}),
        ("/api/kpis/scorecard/{partner_pk}/", {"granularity", "day"}),
        ("/api/meetings/", {"partner", "series", "upcoming"}),
        ("/api/action-items/", {"state", "partner", "mine"}),
    ],
)
def test_the_documented_filters_are_in_the_schema(openapi, path, names):
    declared = {p["name"] for p in openapi["paths"][path]["get"].get("parameters", [])}
    assert names <= declared, names - declared


@pytest.mark.parametrize(
    ("component", "field"), [("Notice", "acknowledged_by"), ("Case", "acknowledged_by"), ("Measurement", "site")]
)
def test_fields_that_can_be_empty_are_nullable(openapi, component, field):
    assert openapi["components"]["schemas"][component]["properties"][field].get("nullable") is True


def test_the_agenda_is_documented_as_an_agenda(openapi):
    schema = openapi["paths"]["/api/meetings/{id}/agenda/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["$ref"] == "#/components/schemas/Agenda"
    properties = openapi["components"]["schemas"]["Agenda"]["properties"]
    assert {"meeting", "period", "frozen", "kpis", "open_actions", "overdue_actions", "topics", "extra"} <= set(
        properties
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/notices/{id}/acknowledge/",
        "/api/cases/{id}/acknowledge/",
        "/api/meetings/{id}/cancel/",
        "/api/meetings/{id}/held/",
        "/api/agreement-versions/{id}/sign/",
        "/api/agreement-versions/{id}/send/",
        "/api/agreement-versions/{id}/withdraw/",
        "/api/agreements/{id}/drafts/",
        "/api/notifications/{id}/read/",
        "/api/scorecard-reviews/{id}/accept/",
        "/api/scorecard-disputes/{id}/withdraw/",
        "/api/scorecard-disputes/{id}/raise/",
    ],
)
def test_actions_that_take_no_input_declare_no_body(openapi, path):
    assert "requestBody" not in openapi["paths"][path]["post"]


def test_actions_that_take_input_declare_their_own_body(openapi):
    def body_ref(path):
        content = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        return content["schema"]["$ref"].rsplit("/", 1)[1]

    assert body_ref("/api/surveys/{id}/answer/") == "SurveyAnswerRequest"
    assert body_ref("/api/cases/{id}/status/") == "CaseStatusRequest"
    assert body_ref("/api/meetings/{id}/move/") == "MoveRequest"
    assert body_ref("/api/scorecard-disputes/{id}/answer/") == "DisputeAnswerRequest"


def test_every_operation_documents_the_error_format(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["Error"]["required"] == ["detail"]
    for path, method, operation in _operations(openapi):
        codes = set(operation["responses"])
        expected = {"400", "401", "403"} | ({"404"} if "{" in path else set())
        expected |= {"413"} if "requestBody" in operation else set()
        assert expected <= codes, (method, path, expected - codes)
        for code in expected - {"400"}:
            ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (method, path, code)
