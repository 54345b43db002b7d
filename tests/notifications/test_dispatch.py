"""The dispatcher: exactly once with two dispatchers, crash recovery, broker down, retries."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from partnerportal.celery import app as celery_app
from partnerportal.notifications import dispatch, services, tasks
from partnerportal.notifications.models import Notification, NotificationStatus
from tests.notifications.helpers import CountingBackend, make, make_many

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SELECT … FOR UPDATE SKIP LOCKED and real concurrent transactions need PostgreSQL "
    "(SQLite serialises writes and ignores select_for_update)",
)


@pytest.fixture
def counting_backend(settings):
    settings.EMAIL_BACKEND = "tests.notifications.helpers.CountingBackend"
    CountingBackend.reset()
    yield CountingBackend
    CountingBackend.reset()


def _run_in_threads(*targets):
    """Start all targets at the same moment (barrier); each thread uses its own DB connection."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def wrap(target):
        try:
            barrier.wait(timeout=10)
            target()
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_notification_exactly_once(world, counting_backend):
    make_many(world.a_manager, 120, prefix="race-a")
    make_many(world.manager, 80, prefix="race-m")
    results = {1: [], 2: []}

    def dispatcher(number):
        def run():
            while True:
                result = services.dispatch_due(batch_size=7)
                results[number].append(result)
                if not result.claimed:
                    return

        return run

    _run_in_threads(dispatcher(1), dispatcher(2))

    sent_keys = Counter(counting_backend.sent)
    assert len(sent_keys) == 200
    assert max(sent_keys.values()) == 1, [k for k, n in sent_keys.items() if n > 1]
    per_dispatcher = {n: sum(r.sent for r in rs) for n, rs in results.items()}
    assert sum(per_dispatcher.values()) == 200
    assert all(per_dispatcher.values()), f"both dispatchers should have worked: {per_dispatcher}"
    ids_1 = {i for r in results[1] for i in r.sent_ids}
    ids_2 = {i for r in results[2] for i in r.sent_ids}
    assert not ids_1 & ids_2
    assert Notification.objects.filter(status=NotificationStatus.SENT, attempts=1).count() == 200


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_locked_by_another_dispatcher_are_skipped_not_waited_for(world, counting_backend):
    locked = make_many(world.manager, 3, prefix="locked")
    make_many(world.manager, 2, prefix="free")
    holding = threading.Event()
    release = threading.Event()

    def hold_locks():
        # Another dispatcher in the middle of its claim: it holds row locks on three rows.
        with transaction.atomic():
            list(Notification.objects.select_for_update().filter(pk__in=[n.pk for n in locked]))
            holding.set()
            release.wait(timeout=30)
        connections.close_all()

    holder = threading.Thread(target=hold_locks)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        result = {}

        def dispatch():
            result["r"] = services.dispatch_due(batch_size=10)
            connections.close_all()

        worker = threading.Thread(target=dispatch)
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), "the dispatcher waited for locked rows instead of skipping them"
        assert result["r"].sent == 2
        assert sorted(counting_backend.sent) == ["free:0", "free:1"]
    finally:
        release.set()
        holder.join(timeout=10)
    assert services.dispatch_due(batch_size=10).sent == 3
    assert Counter(counting_backend.sent).most_common(1)[0][1] == 1


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_that_dies_after_claiming_leaves_the_rows_for_later(world, counting_backend, monkeypatch):
    make_many(world.a_manager, 5, prefix="crash")
    t0 = timezone.now()

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(dispatch, "_send", die)
    with pytest.raises(SystemExit):
        services.dispatch_due(batch_size=10, now=t0)
    monkeypatch.undo()
    assert Notification.objects.filter(status=NotificationStatus.SENDING).count() == 5
    assert counting_backend.sent == []

    # Within the claim timeout the rows still belong to the (dead) dispatcher.
    timeout = timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS)
    assert services.dispatch_due(batch_size=10, now=t0 + timeout - timedelta(seconds=1)).claimed == 0
    assert counting_backend.sent == []

    # After it, another dispatcher takes them over and sends each once.
    result = services.dispatch_due(batch_size=10, now=t0 + timeout + timedelta(seconds=1))
    assert result.sent == 5
    assert sorted(counting_backend.sent) == [f"crash:{i}" for i in range(5)]
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 5
    assert services.dispatch_due(batch_size=10, now=t0 + 2 * timeout).claimed == 0
    assert len(counting_backend.sent) == 5


@pytest.mark.django_db
def test_a_late_dispatcher_cannot_mark_a_row_that_was_reclaimed(world, counting_backend):
    notification = make(world.manager, key="slow:1")
    t0 = timezone.now()
    [slow_copy], slow_claim = services.claim_due(now=t0)
    timeout = timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS + 1)
    [new_copy], new_claim = services.claim_due(now=t0 + timeout)
    assert new_claim != slow_claim

    # The slow dispatcher wakes up: its mark is refused, the row is still the new claimer's.
    assert services.deliver(slow_copy, claimed_at=slow_claim) == "lost"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENDING
    assert notification.sent_at is None
    assert services.deliver(new_copy, claimed_at=new_claim) == "sent"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2  # the expired claim counted as a try
    assert notification.last_error == ""


@pytest.mark.django_db
def test_a_row_that_kills_every_dispatcher_ends_as_failed(world, counting_backend, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    notification = make(world.manager, key="poison:1")
    timeout = timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS + 1)
    now = timezone.now()
    for _ in range(3):
        services.claim_due(now=now)  # claimed, then the dispatcher dies
        now += timeout
    assert services.claim_due(now=now)[0] == []
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 3
    assert "claim expired" in notification.last_error
    assert counting_backend.sent == []


@pytest.fixture
def broker_down():
    """Point the Celery app at a port where nothing listens; restore it afterwards."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_publish_retry", "broker_connection_timeout")}
    conf.broker_url = "redis://127.0.0.1:1/0"
    conf.task_publish_retry = False
    conf.broker_connection_timeout = 1
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    for key, value in saved.items():
        conf[key] = value
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db
def test_the_broker_being_down_loses_nothing(world, broker_down):
    from kombu.exceptions import OperationalError

    created = services.notify(
        recipients=[world.manager, world.a_manager],
        kind="system",
        key="broker:down",
        template="notifications/email/system",
        context={"title": "Stock count", "message": "The count starts at 6."},
    )
    assert len(created) == 2
    with pytest.raises(OperationalError):
        tasks.dispatch_due_notifications.delay()
    assert Notification.objects.filter(key="broker:down", status=NotificationStatus.PENDING).count() == 2
    assert mail.outbox == []

    # The broker is only the wake-up call: the next run (beat tick, or a worker) sends them.
    assert tasks.dispatch_due_notifications() == {"claimed": 2, "sent": 2, "retried": 0, "failed": 0, "lost_claims": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.manager.email, world.a_manager.email])
    assert Notification.objects.filter(key="broker:down", status=NotificationStatus.SENT).count() == 2


@pytest.mark.django_db
def test_failures_back_off_and_give_up_after_max_attempts(world, settings):
    settings.EMAIL_BACKEND = "tests.notifications.helpers.FailingBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 4
    notification = make(world.a_manager, key="flaky:1")
    now = timezone.now()
    waits = []
    for attempt in range(1, 4):
        result = services.dispatch_due(now=now)
        assert result.retried == 1, attempt
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.PENDING
        assert notification.attempts == attempt
        assert "SMTP server is down" in notification.last_error
        waits.append(notification.send_at - now)
        # Not due again before the back-off is over.
        assert services.dispatch_due(now=notification.send_at - timedelta(seconds=1)).claimed == 0
        now = notification.send_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25)]

    result = services.dispatch_due(now=now)
    assert result.failed == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 4
    assert notification.sent_at is None
    # Given up: never picked up again.
    assert services.dispatch_due(now=now + timedelta(days=30)).claimed == 0


@pytest.mark.django_db
def test_email_with_attachment_and_in_portal_only_rows(world):
    services.notify(
        recipients=[world.manager],
        kind="system",
        key="invite:1",
        template="notifications/email/system",
        context={"title": "Review", "message": "See the invitation."},
        attachments=[
            {"filename": "invite.ics", "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "mimetype": "text/calendar"}
        ],
    )
    services.notify(
        recipients=[world.a_viewer],
        kind="system",
        key="quiet:1",
        template="notifications/email/system",
        context={"title": "Quiet", "message": "Only in the portal."},
        email=False,
    )
    result = services.dispatch_due()
    assert result.sent == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.manager.email]
    assert message.subject == "Portal message: Review"
    assert message.attachments[0][0] == "invite.ics"
    assert message.attachments[0][2].startswith("text/calendar")
    quiet = Notification.objects.get(key="quiet:1")
    assert quiet.status == NotificationStatus.SENT and quiet.sent_at is not None


@pytest.mark.django_db
def test_future_and_withdrawn_rows_are_not_sent(world):
    make(world.manager, key="later:1", send_at=timezone.now() + timedelta(hours=1))
    make(world.manager, key="gone:1")
    services.withdraw(key_prefix="gone:")
    assert services.dispatch_due().claimed == 0
    assert services.dispatch_due(now=timezone.now() + timedelta(hours=2)).sent == 1
    assert Notification.objects.get(key="gone:1").status == NotificationStatus.WITHDRAWN
