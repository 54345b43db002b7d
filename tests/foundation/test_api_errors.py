"""Every error under /api/ answers the API's JSON format: bad ids, bad input, unknown URLs, crashes in
a view and a database that cannot be reached (also when it fails before any view runs)."""

import socket

import pytest
from django.db import connection
from django.test import Client
from django.urls import include, path
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView

from agreements import services as agreements_services
from agreements.models import AgreementVersion
from partnerportal import api
from relations.models import Notice
from tests.conftest import client_for


class BrokenApiView(APIView):
    def get(self, request):
        raise RuntimeError("secret internal detail")


def broken_plain_view(request):
    raise RuntimeError("secret internal detail")


# A URLconf for these tests: the project's URLs, a DRF view and a plain Django view that crash.
urlpatterns = [
    path("api/test-broken/", BrokenApiView.as_view()),
    path("api/test-broken-plain/", broken_plain_view),
    path("", include("partnerportal.urls")),
]
handler400 = api.handler400
handler403 = api.handler403
handler404 = api.handler404
handler500 = api.handler500


def _assert_json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"]
    assert "Traceback" not in body["detail"] and "secret" not in body["detail"]
    return body


# --- ids are numbers: a word where an id belongs is a 404, not a ValueError's 500 ---------------

NON_NUMERIC = [
    ("get", "/api/agreement-versions/abc/"),
    ("patch", "/api/agreement-versions/abc/"),
    ("post", "/api/agreement-versions/abc/sign/"),
    ("post", "/api/agreement-versions/abc/send/"),
    ("post", "/api/agreement-versions/abc/withdraw/"),
    ("post", "/api/agreement-versions/abc/terminate/"),
    ("post", "/api/agreements/abc/drafts/"),
    ("post", "/api/surveys/abc/answer/"),
    ("get", "/api/partners/abc/"),
    ("get", "/api/kpis/definitions/abc/"),
    ("post", "/api/notices/abc/acknowledge/"),
    ("post", "/api/cases/abc/status/"),
    ("get", "/api/meetings/abc/agenda/"),
    ("get", "/api/kpis/scorecard/abc/"),
]


@pytest.mark.parametrize(("method", "url"), NON_NUMERIC)
def test_a_non_numeric_id_answers_404_json(world, method, url):
    client = client_for(world.admin)
    response = getattr(client, method)(url, data={}, content_type="application/json")
    _assert_json_error(response, 404)


def test_a_numeric_id_still_reaches_the_object(world):
    agreement = agreements_services.agreement_create(partner=world.partner_a, user=world.admin)
    version = agreement.versions.get()
    response = client_for(world.admin).get(f"/api/agreement-versions/{version.pk}/")
    assert response.status_code == 200 and response.json()["id"] == version.pk
    assert AgreementVersion.objects.filter(pk=version.pk).exists()


def test_an_unknown_api_url_answers_404_json_and_pages_keep_their_html_404(world):
    _assert_json_error(client_for(world.admin).get("/api/no-such-thing/"), 404)
    _assert_json_error(Client().get("/api/no-such-thing/"), 404)
    page = client_for(world.manager).get("/no-such-page/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]


# --- bad input: 400, nothing stored ------------------------------------------------------------


def test_a_notice_without_severity_answers_400_and_stores_nothing(world):
    payload = {
        "partner": world.partner_a.pk,
        "kind": "other",
        "title": "Closed on Friday",
        "affected_from": "2026-06-05T06:00:00Z",
    }
    response = client_for(world.manager).post("/api/notices/", payload, content_type="application/json")
    assert response.status_code == 400
    assert "severity" in response.json()
    assert not Notice.objects.exists()
    ok = client_for(world.manager).post(
        "/api/notices/", {**payload, "severity": "low"}, content_type="application/json"
    )
    assert ok.status_code == 201 and Notice.objects.get().severity == "low"


def test_an_unknown_scorecard_granularity_answers_400(world):
    url = f"/api/kpis/scorecard/{world.partner_a.pk}/?granularity=decade"
    response = client_for(world.admin).get(url)
    assert response.status_code == 400 and "granularity" in response.json()


# --- crashes answer JSON 500 ------------------------------------------------------------------


@pytest.mark.urls("tests.foundation.test_api_errors")
@pytest.mark.parametrize("url", ["/api/test-broken/", "/api/test-broken-plain/"])
def test_an_unhandled_exception_in_an_api_view_answers_json_500(world, url):
    client = client_for(world.admin)
    client.raise_request_exception = False
    body = _assert_json_error(client.get(url), 500)
    assert body == {"detail": "A server error occurred. It has been logged."}


@pytest.mark.urls("tests.foundation.test_api_errors")
def test_the_crash_is_still_reported_to_the_test_client(world):
    """The middleware sends got_request_exception as Django does, so tests and error reporters see it."""
    with pytest.raises(RuntimeError, match="secret internal detail"):
        client_for(world.admin).get("/api/test-broken/")


# --- the database cannot be reached ------------------------------------------------------------


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_down():
    """Point the connection at a port where nothing listens, for the requests of the test only."""
    original = dict(connection.settings_dict)

    def down():
        connection.close()
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = str(_closed_port())

    yield down
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_token_request_with_the_database_down_answers_json_503(world, database_down):
    """The token lookup fails inside DRF: the API's exception handler answers."""
    token = Token.objects.create(user=world.admin).key
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/partners/").status_code == 200
    database_down()
    response = client.get("/api/partners/")
    body = _assert_json_error(response, 503)
    assert "database" in body["detail"]
    assert response["Retry-After"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_session_request_with_the_database_down_answers_json_503(world, database_down):
    """The session and user are loaded by a middleware, before any view: handler500 answers."""
    client = client_for(world.admin)
    client.raise_request_exception = False
    assert client.get("/api/me/").status_code == 200
    database_down()
    _assert_json_error(client.get("/api/me/"), 503)
    # The portal's pages keep their HTML error page.
    page = client.get("/dashboard/")
    assert page.status_code == 500 and "text/html" in page["Content-Type"]
