"""The monthly scorecard review (issue 18): proposed → accepted | disputed → final, disputes answered by a
correction (history kept) or "stands", corrections of final months reopening them, the access rules."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpis import reviews, services, tasks
from kpis.models import DisputeState, Measurement, ReviewEvent, ReviewState, ScorecardDispute, ScorecardReview
from kpis.selectors import months_between
from partnerportal.notifications.models import Notification
from tests.conftest import client_for
from tests.kpis.helpers import measure, setup_partner
from tests.meetings.helpers import ensure_standard_kpis

TODAY = timezone.localdate()
MONTH = reviews.last_closed_month(TODAY)


def _with_data(partner, numerator=2, denominator=400):
    ensure_standard_kpis()
    error, delivery, _internal = setup_partner(partner)
    existing = Measurement.objects.filter(partner=partner, kpi=error.kpi).first()
    if existing is not None:
        return error, existing
    m = measure(partner, "error-rate", MONTH + timedelta(days=3), numerator=numerator, denominator=denominator)
    return error, m


def _proposed(world, partner=None):
    partner = partner or world.partner_a
    _with_data(partner)
    reviews.propose_closed_month(today=TODAY)
    return ScorecardReview.objects.get(partner=partner, month=MONTH)


def test_daily_run_proposes_each_partner_once_and_notifies_its_managers(world):
    _with_data(world.partner_a)
    _with_data(world.partner_b)
    assert tasks.scorecard_review() == {"proposed": 2, "finalised": 0}
    assert tasks.scorecard_review() == {"proposed": 0, "finalised": 0}  # run twice: nothing more
    review = ScorecardReview.objects.get(partner=world.partner_a)
    assert review.state == ReviewState.PROPOSED
    assert review.window_ends == TODAY + timedelta(days=10)
    mails = Notification.objects.filter(kind=reviews.KIND_PROPOSED)
    assert {n.recipient for n in mails} == {world.a_manager, world.b_manager}


def test_a_month_without_data_is_not_proposed(world):
    ensure_standard_kpis()
    setup_partner(world.partner_a)  # KPIs agreed, no value in the month
    assert reviews.propose_closed_month(today=TODAY) == 0
    response = client_for(world.a_manager).get(
        reverse("kpis:scorecard", args=[world.partner_a.pk]) + f"?granularity=month&day={MONTH:%Y-%m-%d}"
    )
    body = response.content.decode()
    assert "has not been proposed for review" in body
    assert 'data-state="none"' in body


def test_review_window_setting(world, settings):
    settings.SCORECARD_REVIEW_DAYS = 3
    review = _proposed(world)
    assert review.window_ends == TODAY + timedelta(days=3)


def test_window_expiry_finalises_undisputed_months_only(world):
    review_a = _proposed(world)
    review_b = _proposed(world, world.partner_b)
    error_b = setup_partner(world.partner_b)[0]
    reviews.dispute_open(user=world.b_manager, review=review_b, partner_kpi=error_b, reason="Wrong", measured_value=0.2)
    assert reviews.finalise_due(today=review_a.window_ends) == 0  # the window's last day still counts
    assert reviews.finalise_due(today=review_a.window_ends + timedelta(days=1)) == 1
    review_a.refresh_from_db()
    review_b.refresh_from_db()
    assert review_a.state == ReviewState.FINAL and review_a.decided_by is None
    assert review_b.state == ReviewState.DISPUTED  # an open dispute holds the month
    assert reviews.final_months(partner_ids=[world.partner_a.pk, world.partner_b.pk]) == {(world.partner_a.pk, MONTH)}


def test_partner_manager_accepts_on_the_scorecard(world):
    review = _proposed(world)
    url = reverse("kpis:scorecard", args=[world.partner_a.pk]) + f"?granularity=month&day={MONTH:%Y-%m-%d}"
    page = client_for(world.a_manager).get(url).content.decode()
    assert "Accept this month" in page and "Dispute a figure" in page
    viewer_page = client_for(world.a_viewer).get(url).content.decode()
    assert "Proposed" in viewer_page and "Accept this month" not in viewer_page
    response = client_for(world.a_manager).post(reverse("kpis:review_accept", args=[review.pk]))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == ReviewState.FINAL and review.decided_by == world.a_manager
    assert client_for(world.a_viewer).post(reverse("kpis:review_accept", args=[review.pk])).status_code == 403


def test_dispute_with_a_file_and_with_a_measured_value(world):
    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    client = client_for(world.a_manager)
    url = reverse("kpis:dispute_create", args=[review.pk])
    pdf = SimpleUploadedFile("count.pdf", b"%PDF-1.4 our count", content_type="application/pdf")
    response = client.post(url, {"partner_kpi": error.pk, "reason": "Our scans show fewer errors", "evidence": pdf})
    assert response.status_code == 302
    with_file = ScorecardDispute.objects.get()
    assert with_file.evidence_name == "count.pdf" and with_file.figure_before == pytest.approx(0.5)
    download = client_for(world.manager).get(reverse("kpis:dispute_file", args=[with_file.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    response = client.post(url, {"partner_kpi": error.pk, "reason": "Measured ourselves", "measured_value": "0.3"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ScorecardDispute.objects.order_by("-id").first().measured_value == pytest.approx(0.3)
    review.refresh_from_db()
    assert review.state == ReviewState.DISPUTED
    assert Notification.objects.filter(kind=reviews.KIND_DISPUTED, recipient=world.manager).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "measured_value": "1"}, "This field is required."),
        ({"reason": "Wrong"}, "Add evidence: a file or your own measured value."),
        ({"reason": "Wrong", "measured_value": "abc"}, "Enter a number."),
        (
            {
                "reason": "Wrong",
                "evidence": SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream"),
            },
            "are not allowed",
        ),
        ({"reason": "Wrong", "evidence": SimpleUploadedFile("x.pdf", b"not a pdf")}, "does not match its type"),
    ],
)
def test_bad_dispute_input_says_why_and_changes_nothing(world, data, message):
    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    response = client_for(world.a_manager).post(
        reverse("kpis:dispute_create", args=[review.pk]), {"partner_kpi": error.pk, **data}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScorecardDispute.objects.exists()
    review.refresh_from_db()
    assert review.state == ReviewState.PROPOSED


def test_host_corrects_through_the_measurement_path_keeping_the_history(world):
    review = _proposed(world)
    error, measurement = _with_data(world.partner_a)
    dispute = reviews.dispute_open(
        user=world.a_manager, review=review, partner_kpi=error, reason="Double count", measured_value=0.25
    )
    client = client_for(world.manager)
    page = client.get(reverse("kpis:dispute", args=[dispute.pk])).content.decode()
    assert "Answer the dispute" in page
    response = client.post(
        reverse("kpis:dispute", args=[dispute.pk]),
        {
            "outcome": "correct",
            "answer": "A double scan removed",
            "measurement": measurement.pk,
            "numerator": "1",
            "denominator": "400",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dispute.refresh_from_db()
    measurement.refresh_from_db()
    assert dispute.state == DisputeState.CORRECTED and dispute.corrected_measurement == measurement
    assert (dispute.figure_before, dispute.figure_after) == (pytest.approx(0.5), pytest.approx(0.25))
    assert measurement.numerator == 1
    assert measurement.history.count() >= 2  # the earlier value is kept
    event = ReviewEvent.objects.get(kind=ReviewEvent.Kind.CORRECTED)
    assert (event.figure_before, event.figure_after) == (pytest.approx(0.5), pytest.approx(0.25))
    review.refresh_from_db()
    assert review.state == ReviewState.PROPOSED  # the only dispute is answered: the partner may accept
    assert Notification.objects.filter(kind=reviews.KIND_ANSWERED, recipient=world.a_manager).exists()
    partner_page = client_for(world.a_viewer).get(reverse("kpis:dispute", args=[dispute.pk])).content.decode()
    assert "Corrected" in partner_page and "A double scan removed" in partner_page


def test_bad_correction_changes_nothing(world):
    review = _proposed(world)
    error, measurement = _with_data(world.partner_a)
    dispute = reviews.dispute_open(user=world.a_manager, review=review, partner_kpi=error, reason="x", measured_value=1)
    response = client_for(world.manager).post(
        reverse("kpis:dispute", args=[dispute.pk]),
        {"outcome": "correct", "answer": "fix", "measurement": measurement.pk, "numerator": "1", "denominator": "0"},
    )
    assert response.status_code == 200
    dispute.refresh_from_db()
    measurement.refresh_from_db()
    assert dispute.state == DisputeState.OPEN and measurement.denominator == 400
    response = client_for(world.manager).post(reverse("kpis:dispute", args=[dispute.pk]), {"outcome": "stands"})
    assert "This field is required." in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.OPEN
    # A correction without a figure: the service's message on the page, nothing written.
    response = client_for(world.manager).post(
        reverse("kpis:dispute", args=[dispute.pk]), {"outcome": "correct", "answer": "fix", "measurement": ""}
    )
    assert response.status_code == 200
    assert "Give the corrected figure: a value, or its numerator and denominator." in response.content.decode()
    dispute.refresh_from_db()
    measurement.refresh_from_db()
    assert dispute.state == DisputeState.OPEN and measurement.denominator == 400


def test_figure_stands_and_raise_to_agenda_by_either_side(world):
    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    dispute = reviews.dispute_open(user=world.a_manager, review=review, partner_kpi=error, reason="x", measured_value=1)
    response = client_for(world.a_manager).post(reverse("kpis:dispute_raise", args=[dispute.pk]))
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.raised_to_agenda_by == world.a_manager
    assert [d.pk for d in reviews.raised_disputes(user=world.manager, partner_id=world.partner_a.pk)] == [dispute.pk]
    assert reviews.raised_disputes(user=world.b_manager, partner_id=world.partner_a.pk) == []
    reviews.dispute_stands(user=world.manager, dispute=dispute, answer="Scanner log confirms it")
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.STANDS


def test_a_correction_of_a_final_month_reopens_it_and_tells_both_sides(world):
    review = _proposed(world)
    reviews.review_accept(user=world.a_manager, review=review)
    Notification.objects.all().delete()
    error, measurement = _with_data(world.partner_a)
    # Any write path: here the API/import's shared service, not the dispute.
    services.measurement_upsert(
        user=world.manager,
        partner=world.partner_a,
        kpi=error.kpi,
        period_kind="day",
        period_start=measurement.period_start,
        numerator=3,
        denominator=400,
    )
    review.refresh_from_db()
    assert review.state == ReviewState.PROPOSED and review.decided_by is None
    assert review.window_ends == TODAY + timedelta(days=10)
    told = {n.recipient for n in Notification.objects.filter(kind=reviews.KIND_REOPENED)}
    assert {world.a_manager, world.manager} <= told
    assert world.b_manager not in told
    assert ReviewEvent.objects.filter(review=review, kind=ReviewEvent.Kind.REOPENED).exists()


def test_other_partners_reviews_and_disputes_are_not_found(world):
    review = _proposed(world, world.partner_b)
    error_b = setup_partner(world.partner_b)[0]
    dispute = reviews.dispute_open(
        user=world.b_manager, review=review, partner_kpi=error_b, reason="x", measured_value=1
    )
    client = client_for(world.a_manager)
    assert client.post(reverse("kpis:review_accept", args=[review.pk])).status_code == 404
    assert client.get(reverse("kpis:dispute_create", args=[review.pk])).status_code == 404
    assert client.get(reverse("kpis:dispute", args=[dispute.pk])).status_code == 404
    assert client.get(reverse("kpis:dispute_file", args=[dispute.pk])).status_code == 404
    assert Measurement.objects.count() == 1


def test_dispute_page_queries_do_not_grow_with_the_history(world):
    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    dispute = reviews.dispute_open(user=world.a_manager, review=review, partner_kpi=error, reason="x", measured_value=1)
    client = client_for(world.manager)
    url = reverse("kpis:dispute", args=[dispute.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        ReviewEvent.objects.create(review=review, dispute=dispute, kind="raised", user=world.manager)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    list_url = reverse("kpis:reviews")
    client.get(list_url)
    with CaptureQueriesContext(connection) as one:
        client.get(list_url)
    _proposed(world, world.partner_b)
    with CaptureQueriesContext(connection) as two:
        response = client.get(list_url)
    assert world.partner_b.name in response.content.decode()
    assert len(two) == len(one)


def test_scorecard_queries_do_not_grow_with_disputes(world):
    review = _proposed(world)
    error, delivery, _internal = setup_partner(world.partner_a)
    reviews.dispute_open(user=world.a_manager, review=review, partner_kpi=error, reason="x", measured_value=1)
    client = client_for(world.a_manager)
    url = reverse("kpis:scorecard", args=[world.partner_a.pk]) + f"?granularity=month&day={MONTH:%Y-%m-%d}"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(3):
        reviews.dispute_open(user=world.a_manager, review=review, partner_kpi=delivery, reason="y", measured_value=2)
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)
    assert response.content.decode().count("data-dispute-state=") == 4
    assert len(four) == len(one)


def _csv_rows(client, url):
    body = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    return [line.split(",") for line in body.splitlines()]


def test_scorecard_export_says_the_months_review_state(world):
    review = _proposed(world)
    client = client_for(world.a_viewer)
    url = reverse("kpis:scorecard_export", args=[world.partner_a.pk]) + f"?granularity=month&day={MONTH:%Y-%m-%d}"
    rows = _csv_rows(client, url)
    assert rows[0][-1] == "review" and {row[-1] for row in rows[1:]} == {"proposed"}
    reviews.review_accept(user=world.a_manager, review=review)
    rows = _csv_rows(client, url)
    assert {row[-1] for row in rows[1:]} == {"final"}
    earlier = reviews.last_closed_month(MONTH)
    url = reverse("kpis:scorecard_export", args=[world.partner_a.pk]) + f"?granularity=month&day={earlier:%Y-%m-%d}"
    rows = _csv_rows(client, url)
    assert {row[-1] for row in rows[1:]} == {"not_proposed"}


def test_a_raised_dispute_is_on_the_next_meetings_agenda_for_both_sides(world):
    from meetings import agenda
    from tests.meetings.helpers import meeting_for

    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    dispute = reviews.dispute_open(user=world.a_manager, review=review, partner_kpi=error, reason="x", measured_value=1)
    meeting = meeting_for(world, world.partner_a, days=3)

    def block(user):
        built = agenda.build_agenda(meeting=meeting, user=user)
        return next(e for e in built["extra"] if e["key"] == "kpis_disputes")["items"]

    assert block(world.manager) == []  # not raised yet
    reviews.dispute_raise(user=world.manager, dispute=dispute)
    for user in (world.manager, world.a_viewer):
        [item] = block(user)
        assert item["url"] == dispute.get_absolute_url() and "Open" in item["detail"]
    page = client_for(world.a_viewer).get(meeting.get_absolute_url()).content.decode()
    assert dispute.get_absolute_url() in page


def test_the_agreement_review_reminder_counts_final_months(world):
    from agreements import services as agreement_services
    from tests.agreements import helpers as agreement_helpers

    version = agreement_helpers.active(world, world.partner_a)
    today = version.review_date - timedelta(weeks=3)
    start = version.effective_from or timezone.localdate(version.activated_at)
    closed = [m for m in months_between(start, today) if m < today.replace(day=1)]
    assert len(closed) >= 2
    first_closed = closed[0]
    ScorecardReview.objects.create(
        partner=world.partner_a, month=first_closed, state="final", proposed_at=timezone.now(), window_ends=first_closed
    )
    ScorecardReview.objects.create(  # another partner's final month does not count
        partner=world.partner_b, month=first_closed, state="final", proposed_at=timezone.now(), window_ends=first_closed
    )
    agreement_services.remind_reviews(today=today, weeks_before=4)
    body = Notification.objects.filter(kind="agreements.review").first().body
    assert f"1 of {len(closed)} closed months are final" in body


def test_after_the_window_a_dispute_is_refused_and_nothing_changes(world):
    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    ScorecardReview.objects.filter(pk=review.pk).update(window_ends=TODAY - timedelta(days=1))
    response = client_for(world.a_manager).post(
        reverse("kpis:dispute_create", args=[review.pk]),
        {"partner_kpi": error.pk, "reason": "x", "measured_value": "1"},
    )
    assert response.status_code == 400
    assert "The review window of this month has ended." in response.content.decode()
    assert not ScorecardDispute.objects.exists()


def test_the_proposal_is_written_in_each_managers_language(world):
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    _proposed(world)
    notice = Notification.objects.get(kind=reviews.KIND_PROPOSED, recipient=world.a_manager)
    assert notice.subject.startswith("Jeres scorecard for ")
    assert "Acceptér det, eller gør indsigelse" in notice.body


def test_the_partner_withdraws_an_open_dispute_and_may_accept(world):
    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    dispute = reviews.dispute_open(user=world.a_manager, review=review, partner_kpi=error, reason="x", measured_value=1)
    assert client_for(world.a_viewer).post(reverse("kpis:dispute_withdraw", args=[dispute.pk])).status_code == 403
    response = client_for(world.a_manager).post(reverse("kpis:dispute_withdraw", args=[dispute.pk]))
    assert response.status_code == 302
    dispute.refresh_from_db()
    review.refresh_from_db()
    assert dispute.state == DisputeState.WITHDRAWN and review.state == ReviewState.PROPOSED
    reviews.review_accept(user=world.a_manager, review=review)
    review.refresh_from_db()
    assert review.state == ReviewState.FINAL


def test_the_health_score_leaves_a_month_under_review_out_until_it_is_final(world):
    """Final months (and the month still running) are what the health score counts; a proposed or disputed
    month is left out, and the part says so, whatever its figure."""
    from relations import health

    _with_data(world.partner_a, numerator=40, denominator=400)  # 10 % errors: off target
    start, end = health.window(MONTH, now=timezone.now())
    before = health.kpi_part(world.partner_a, start, end)
    assert before.score == 0.0 and before.detail == "0 %"

    review = _proposed(world)
    under_review = health.kpi_part(world.partner_a, start, end)
    assert under_review.score is None  # neither 0 nor 100 %: not counted
    assert under_review.detail == "1 month under review left out"

    reviews.review_accept(user=world.a_manager, review=review)
    assert health.kpi_part(world.partner_a, start, end).score == 0.0


def test_an_answer_gives_the_partner_a_whole_window_again(world):
    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    dispute = reviews.dispute_open(user=world.a_manager, review=review, partner_kpi=error, reason="x", measured_value=1)
    ScorecardReview.objects.filter(pk=review.pk).update(window_ends=TODAY - timedelta(days=1))
    reviews.dispute_stands(user=world.manager, dispute=dispute, answer="Scanner log confirms it")
    review.refresh_from_db()
    assert review.state == ReviewState.PROPOSED
    assert review.window_ends == TODAY + timedelta(days=10)
    assert reviews.finalise_due(today=TODAY + timedelta(days=1)) == 0


def _at_once(*calls):
    """Run the calls in two threads released together (each its own database connection); returns what
    each gave: "done", or the ValidationError's class name."""
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connections

    barrier, outcomes = threading.Barrier(len(calls)), [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            call()
            outcomes[i] = "done"
        except ValidationError:
            outcomes[i] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_daily_runs_at_once_propose_each_month_once(world):
    _with_data(world.partner_a)
    assert _at_once(
        lambda: reviews.propose_closed_month(today=TODAY), lambda: reviews.propose_closed_month(today=TODAY)
    ) == ["done", "done"]
    assert ScorecardReview.objects.filter(partner=world.partner_a, month=MONTH).count() == 1
    assert ReviewEvent.objects.filter(kind=ReviewEvent.Kind.PROPOSED).count() == 1
    assert Notification.objects.filter(kind=reviews.KIND_PROPOSED, recipient=world.a_manager).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_accepting_and_disputing_at_once_one_wins_and_the_month_stays_consistent(world):
    review = _proposed(world)
    error = setup_partner(world.partner_a)[0]
    outcomes = _at_once(
        lambda: reviews.review_accept(user=world.a_manager, review=review),
        lambda: reviews.dispute_open(
            user=world.a_manager, review=review, partner_kpi=error, reason="Our count differs", measured_value=0.2
        ),
    )
    review.refresh_from_db()
    open_disputes = ScorecardDispute.objects.filter(review=review, state=DisputeState.OPEN).count()
    if outcomes == ["done", "refused"]:
        assert review.state == ReviewState.FINAL and open_disputes == 0
    else:
        assert outcomes == ["refused", "done"]
        assert review.state == ReviewState.DISPUTED and open_disputes == 1
