"""The monthly scorecard review through the API: the reads (lists, filters, details with disputes and
history, the evidence download with a token), the steps as POST actions through kpis.reviews, bad input
answering 400 per field with nothing changed, and query counts that do not grow with the rows."""

import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from kpis import reviews
from kpis.models import DisputeState, Measurement, ReviewEvent, ReviewState, ScorecardDispute, ScorecardReview
from partnerportal.notifications.models import Notification
from tests.conftest import client_for
from tests.kpis.helpers import measure, setup_partner
from tests.meetings.helpers import ensure_standard_kpis

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH = reviews.last_closed_month(TODAY)


def _proposed(partner):
    ensure_standard_kpis()
    error = setup_partner(partner)[0]
    if not Measurement.objects.filter(partner=partner, kpi=error.kpi).exists():
        measure(partner, "error-rate", MONTH + timedelta(days=3), numerator=2, denominator=400)
    reviews.propose_closed_month(today=TODAY)
    return ScorecardReview.objects.get(partner=partner, month=MONTH)


def _disputed(world, partner=None, **kwargs):
    partner = partner or world.partner_a
    review = _proposed(partner)
    user = world.a_manager if partner == world.partner_a else world.b_manager
    kwargs.setdefault("measured_value", 0.25)
    return reviews.dispute_open(
        user=user, review=review, partner_kpi=setup_partner(partner)[0], reason=f"Double count at {partner}", **kwargs
    )


def _post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def _token_client(user):
    token = Token.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


# --- Reads ----------------------------------------------------------------------------------------


def test_lists_show_each_side_its_own_reviews_and_disputes(world):
    dispute_a = _disputed(world)
    _disputed(world, world.partner_b)
    partner = client_for(world.a_viewer).get(reverse("api:scorecard-review-list")).json()
    assert partner["count"] == 1
    review = partner["results"][0]
    assert review["partner"] == world.partner_a.pk and review["partner_name"] == world.partner_a.name
    assert review["month"] == MONTH.isoformat() and review["state"] == "disputed"
    assert review["window_ends"] == (TODAY + timedelta(days=10)).isoformat()
    assert review["finalised_at"] is None
    assert (review["dispute_count"], review["open_dispute_count"]) == (1, 1)
    host = client_for(world.manager).get(reverse("api:scorecard-review-list")).json()
    assert host["count"] == 2

    disputes = client_for(world.a_viewer).get(reverse("api:scorecard-dispute-list")).json()
    assert [d["id"] for d in disputes["results"]] == [dispute_a.pk]
    row = disputes["results"][0]
    assert row["kpi"] == "error-rate" and row["partner_kpi"] == dispute_a.partner_kpi_id
    assert row["figure_disputed"] == pytest.approx(0.5)
    assert row["measured_value"] == pytest.approx(0.25)
    assert row["reason"] == dispute_a.reason and row["state"] == "open" and row["answer"] == ""
    assert row["evidence"] is None
    assert row["review"] == dispute_a.review_id and row["month"] == MONTH.isoformat()


def test_list_filters_by_partner_month_and_state(world):
    _disputed(world)
    review_b = _proposed(world.partner_b)
    client = client_for(world.manager)
    url = reverse("api:scorecard-review-list")
    by_partner = client.get(url, {"partner": world.partner_b.pk}).json()["results"]
    assert [r["id"] for r in by_partner] == [review_b.pk]
    assert [r["id"] for r in client.get(url, {"state": "proposed"}).json()["results"]] == [review_b.pk]
    assert client.get(url, {"month": MONTH.isoformat()}).json()["count"] == 2
    earlier = (MONTH - timedelta(days=1)).replace(day=1)
    assert client.get(url, {"month": earlier.isoformat()}).json()["count"] == 0
    assert client.get(url, {"state": "nonsense"}).status_code == 400
    disputes = reverse("api:scorecard-dispute-list")
    assert client.get(disputes, {"partner": world.partner_b.pk}).json()["count"] == 0
    assert client.get(disputes, {"partner": world.partner_a.pk, "state": "open"}).json()["count"] == 1


def test_review_detail_has_its_disputes_and_dispute_detail_its_history(world):
    dispute = _disputed(world)
    reviews.dispute_stands(user=world.manager, dispute=dispute, answer="The scanner log confirms it")
    client = client_for(world.a_viewer)
    review = client.get(reverse("api:scorecard-review-detail", args=[dispute.review_id])).json()
    assert [d["id"] for d in review["disputes"]] == [dispute.pk]
    assert review["disputes"][0]["state"] == "stands"
    assert review["disputes"][0]["answer"] == "The scanner log confirms it"
    detail = client.get(reverse("api:scorecard-dispute-detail", args=[dispute.pk])).json()
    assert [e["kind"] for e in detail["history"]] == ["disputed", "stands"]
    assert detail["figure_after"] == pytest.approx(0.5) and detail["answered_by"] == str(world.manager)


def test_evidence_downloads_with_a_token_for_both_sides_and_for_no_one_else(world):
    pdf = SimpleUploadedFile("count.pdf", b"%PDF-1.4 our count", content_type="application/pdf")
    dispute = _disputed(world, evidence=pdf, measured_value=None)
    row = client_for(world.a_viewer).get(reverse("api:scorecard-dispute-detail", args=[dispute.pk])).json()
    assert row["evidence"]["name"] == "count.pdf"
    assert row["evidence"]["url"] == reverse("api:scorecard-dispute-evidence", args=[dispute.pk])
    for user in (world.a_viewer, world.manager):
        response = _token_client(user).get(row["evidence"]["url"])
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    assert _token_client(world.b_manager).get(row["evidence"]["url"]).status_code == 404
    assert Client().get(row["evidence"]["url"]).status_code == 401
    without_file = _disputed(world, world.partner_b)
    url = reverse("api:scorecard-dispute-evidence", args=[without_file.pk])
    assert client_for(world.manager).get(url).status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_rows(world):
    """Lists, a review with its disputes, a dispute with its history: the same number of queries for
    one row as for many."""
    first = _disputed(world)
    review = first.review
    client = client_for(world.a_manager)
    urls = [
        reverse("api:scorecard-review-list"),
        reverse("api:scorecard-dispute-list"),
        reverse("api:scorecard-review-detail", args=[review.pk]),
        reverse("api:scorecard-dispute-detail", args=[first.pk]),
    ]
    before = [_queries(client, url) for url in urls]
    for months_back in range(1, 6):
        month = date(MONTH.year - 1, 1, 1) + timedelta(days=32 * months_back)
        ScorecardReview.objects.create(
            partner=world.partner_a, month=month.replace(day=1), proposed_at=timezone.now(), window_ends=TODAY
        )
    error, delivery, _internal = setup_partner(world.partner_a)
    for n in range(4):
        reviews.dispute_open(
            user=world.a_manager,
            review=review,
            partner_kpi=delivery if n % 2 else error,
            reason=f"#{n}",
            measured_value=n,
        )
    reviews.dispute_raise(user=world.manager, dispute=first)
    reviews.dispute_stands(user=world.manager, dispute=first, answer="It stands")
    after = [_queries(client, url) for url in urls]
    assert ScorecardReview.objects.count() == 6 and ScorecardDispute.objects.count() == 5
    assert after == before


# --- The steps ------------------------------------------------------------------------------------


def test_partner_manager_accepts_a_month(world):
    review = _proposed(world.partner_a)
    url = reverse("api:scorecard-review-accept", args=[review.pk])
    for user in (world.a_viewer, world.manager):
        assert _post(client_for(user), url).status_code == 403
    review.refresh_from_db()
    assert review.state == ReviewState.PROPOSED
    response = _post(_token_client(world.a_manager), url)
    assert response.status_code == 200
    assert response.json()["state"] == "final" and response.json()["finalised_at"]
    review.refresh_from_db()
    assert review.state == ReviewState.FINAL and review.decided_by == world.a_manager
    assert ReviewEvent.objects.filter(review=review, kind=ReviewEvent.Kind.ACCEPTED).count() == 1
    again = _post(client_for(world.a_manager), url)
    assert again.status_code == 400 and again.json() == {"non_field_errors": ["This month is final already."]}


def test_dispute_with_a_measured_value_and_with_a_file(world):
    review = _proposed(world.partner_a)
    error = setup_partner(world.partner_a)[0]
    client = client_for(world.a_manager)
    url = reverse("api:scorecard-review-dispute", args=[review.pk])
    response = _post(client, url, {"partner_kpi": error.pk, "reason": "We measured less", "measured_value": 0.3})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open" and body["measured_value"] == pytest.approx(0.3)
    assert body["figure_disputed"] == pytest.approx(0.5) and [e["kind"] for e in body["history"]] == ["disputed"]
    csv_file = SimpleUploadedFile("count.csv", b"day,errors\n2026-01-05,1\n", content_type="text/csv")
    response = client.post(url, {"partner_kpi": error.pk, "reason": "Our count", "evidence": csv_file})
    assert response.status_code == 201, response.content
    dispute = ScorecardDispute.objects.get(pk=response.json()["id"])
    assert dispute.evidence_name == "count.csv" and dispute.measured_value is None
    review.refresh_from_db()
    assert review.state == ReviewState.DISPUTED
    assert Notification.objects.filter(kind=reviews.KIND_DISPUTED, recipient=world.manager).count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": ""}, "reason", "This field may not be blank."),
        ({"reason": "Wrong"}, "evidence", "Add evidence: a file or your own measured value."),
        ({"reason": "Wrong", "measured_value": "abc"}, "measured_value", "A valid number is required."),
        ({"reason": "x" * 2001, "measured_value": 1}, "reason", "Ensure this field has no more than 2000 characters."),
        (
            {"reason": "Wrong", "evidence": SimpleUploadedFile("x.exe", b"MZ")},
            "evidence",
            "are not allowed",
        ),
        ({"reason": "Wrong", "evidence": SimpleUploadedFile("x.pdf", b"not a pdf")}, "evidence", "does not match"),
        ({"reason": "Wrong", "measured_value": 1, "partner_kpi": "internal"}, "partner_kpi", "Invalid pk"),
        ({"reason": "Wrong", "measured_value": 1, "partner_kpi": "other"}, "partner_kpi", "Invalid pk"),
    ],
)
def test_bad_dispute_input_answers_per_field_and_changes_nothing(world, data, field, message):
    review = _proposed(world.partner_a)
    error, _delivery, internal = setup_partner(world.partner_a)
    other = setup_partner(world.partner_b)[0]
    data = {"partner_kpi": error.pk, **data}
    data["partner_kpi"] = {"internal": internal.pk, "other": other.pk}.get(data["partner_kpi"], data["partner_kpi"])
    url = reverse("api:scorecard-review-dispute", args=[review.pk])
    response = client_for(world.a_manager).post(url, data)  # multipart, as a file upload is sent
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field]), response.json()
    assert not ScorecardDispute.objects.exists()
    review.refresh_from_db()
    assert review.state == ReviewState.PROPOSED


def test_a_dispute_after_the_window_is_refused(world):
    review = _proposed(world.partner_a)
    ScorecardReview.objects.filter(pk=review.pk).update(window_ends=TODAY - timedelta(days=1))
    response = _post(
        client_for(world.a_manager),
        reverse("api:scorecard-review-dispute", args=[review.pk]),
        {"partner_kpi": setup_partner(world.partner_a)[0].pk, "reason": "Late", "measured_value": 1},
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["The review window of this month has ended."]}
    assert not ScorecardDispute.objects.exists()


def test_host_answers_with_a_correction_through_the_measurement_path(world):
    dispute = _disputed(world)
    measurement = Measurement.objects.get(partner=world.partner_a)
    url = reverse("api:scorecard-dispute-answer", args=[dispute.pk])
    payload = {
        "outcome": "correct",
        "answer": "A double scan removed",
        "measurement": measurement.pk,
        "numerator": 1,
        "denominator": 400,
    }
    assert _post(client_for(world.a_manager), url, payload).status_code == 403
    response = _post(_token_client(world.manager), url, payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "corrected" and body["answer"] == "A double scan removed"
    assert (body["figure_disputed"], body["figure_after"]) == (pytest.approx(0.5), pytest.approx(0.25))
    assert [e["kind"] for e in body["history"]] == ["disputed", "corrected"]
    measurement.refresh_from_db()
    assert measurement.numerator == 1 and measurement.history.count() >= 2
    dispute.review.refresh_from_db()
    assert dispute.review.state == ReviewState.PROPOSED
    again = _post(client_for(world.manager), url, {"outcome": "stands", "answer": "x"})
    assert again.status_code == 400 and again.json() == {
        "non_field_errors": ["This dispute has been answered already."]
    }


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"outcome": "stands"}, "answer", "This field is required."),
        ({"outcome": "maybe", "answer": "x"}, "outcome", "is not a valid choice"),
        ({"outcome": "correct", "answer": "fix"}, "value", "Give the corrected figure"),
        ({"outcome": "correct", "answer": "fix", "numerator": 1, "denominator": 0}, None, ""),
        ({"outcome": "correct", "answer": "fix", "value": 1, "measurement": "other"}, "measurement", ""),
        ({"outcome": "correct", "answer": " ", "value": 1}, "answer", "may not be blank"),
    ],
)
def test_bad_answers_change_nothing(world, payload, field, message):
    dispute = _disputed(world)
    _disputed(world, world.partner_b)
    measurement = Measurement.objects.get(partner=world.partner_a)
    if payload.get("measurement") == "other":
        payload = {**payload, "measurement": Measurement.objects.get(partner=world.partner_b).pk}
    else:
        payload = {**payload, "measurement": measurement.pk} if "numerator" in payload else payload
    response = _post(client_for(world.manager), reverse("api:scorecard-dispute-answer", args=[dispute.pk]), payload)
    assert response.status_code == 400, response.content
    if field is not None:
        assert message in " ".join(response.json()[field]), response.json()
    dispute.refresh_from_db()
    measurement.refresh_from_db()
    assert dispute.state == DisputeState.OPEN and dispute.answer == ""
    assert (measurement.numerator, measurement.denominator) == (2, 400)
    assert Measurement.objects.count() == 2


def test_figure_stands_raise_and_withdraw(world):
    dispute = _disputed(world)
    raise_url = reverse("api:scorecard-dispute-raise", args=[dispute.pk])
    assert _post(client_for(world.a_viewer), raise_url).status_code == 403
    response = _post(client_for(world.a_manager), raise_url)
    assert response.status_code == 200 and response.json()["raised_to_agenda_by"] == str(world.a_manager)
    assert _post(client_for(world.manager), raise_url).status_code == 400  # once
    withdraw_url = reverse("api:scorecard-dispute-withdraw", args=[dispute.pk])
    assert _post(client_for(world.manager), withdraw_url).status_code == 403
    assert _post(client_for(world.a_viewer), withdraw_url).status_code == 403
    response = _post(client_for(world.a_manager), withdraw_url)
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    dispute.review.refresh_from_db()
    assert dispute.review.state == ReviewState.PROPOSED
    answer = _post(
        client_for(world.manager),
        reverse("api:scorecard-dispute-answer", args=[dispute.pk]),
        {"outcome": "stands", "answer": "It stands"},
    )
    assert answer.status_code == 400
    assert ScorecardDispute.objects.get().state == DisputeState.WITHDRAWN


def test_other_partners_reviews_and_disputes_answer_404_to_every_step(world):
    dispute = _disputed(world, world.partner_b)
    review = dispute.review
    client = client_for(world.a_manager)
    for url in (
        reverse("api:scorecard-review-detail", args=[review.pk]),
        reverse("api:scorecard-dispute-detail", args=[dispute.pk]),
        reverse("api:scorecard-dispute-evidence", args=[dispute.pk]),
    ):
        assert client.get(url).status_code == 404
    for url in (
        reverse("api:scorecard-review-accept", args=[review.pk]),
        reverse("api:scorecard-review-dispute", args=[review.pk]),
        reverse("api:scorecard-dispute-withdraw", args=[dispute.pk]),
        reverse("api:scorecard-dispute-raise", args=[dispute.pk]),
        reverse("api:scorecard-dispute-answer", args=[dispute.pk]),
    ):
        assert _post(client, url, {"reason": "x", "measured_value": 1}).status_code == 404
    dispute.refresh_from_db()
    review.refresh_from_db()
    assert dispute.state == DisputeState.OPEN and dispute.raised_to_agenda_at is None
    assert review.state == ReviewState.DISPUTED and ScorecardDispute.objects.count() == 1


def test_the_schema_documents_the_review_endpoints(world):
    schema = client_for(world.admin).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/scorecard-reviews/",
        "/api/scorecard-reviews/{id}/",
        "/api/scorecard-reviews/{id}/accept/",
        "/api/scorecard-reviews/{id}/disputes/",
        "/api/scorecard-disputes/",
        "/api/scorecard-disputes/{id}/",
        "/api/scorecard-disputes/{id}/answer/",
        "/api/scorecard-disputes/{id}/withdraw/",
        "/api/scorecard-disputes/{id}/raise/",
        "/api/scorecard-disputes/{id}/evidence/",
    ):
        assert path in paths, path
    dispute_body = paths["/api/scorecard-reviews/{id}/disputes/"]["post"]["requestBody"]["content"]
    assert set(dispute_body) == {"multipart/form-data"}
    request = dispute_body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][request]["properties"]
    assert {"partner_kpi", "reason", "measured_value", "evidence"} <= set(fields)
    assert fields["evidence"]["format"] == "binary"
    assert (
        "application/octet-stream"
        in paths["/api/scorecard-disputes/{id}/evidence/"]["get"]["responses"]["200"]["content"]
    )
    parameters = {p["name"] for p in paths["/api/scorecard-reviews/"]["get"]["parameters"]}
    assert {"partner", "month", "state", "page"} <= parameters


def test_evidence_download_whatever_the_client_accepts(world):
    pdf = SimpleUploadedFile("count.pdf", b"%PDF-1.4 our count", content_type="application/pdf")
    dispute = _disputed(world, evidence=pdf, measured_value=None)
    url = reverse("api:scorecard-dispute-evidence", args=[dispute.pk])
    for accept in ("application/pdf", "application/octet-stream", "*/*", "application/json"):
        response = client_for(world.a_viewer).get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200, (accept, response.content)
        assert response["Content-Type"] == "application/pdf"
    refused = client_for(world.b_manager).get(url, HTTP_ACCEPT="application/pdf")
    assert refused.status_code == 404 and refused["Content-Type"] == "application/json"
    assert refused.json() == {"detail": "Not found."}
