"""Reminder dispatch benchmark (not part of the test suite).

    .venv/bin/python bench/reminders_bench.py            # DATABASE_URL defaults to …/pp_bench_rem

1. Drops and re-creates the bench database (PostgreSQL) and migrates it.
2. Queues 10,000 meeting reminders through the meetings app's own path
   (`meetings.services.schedule_meeting_reminders`: per-recipient language, the agenda in the
   two-day reminder, an .ics invitation attached), for 50 meetings × 100 participants × 2 offsets.
3. Makes them all due and lets two worker processes run the outbox dispatcher
   (`partnerportal.notifications.services.dispatch_due`, SELECT … FOR UPDATE SKIP LOCKED) at the
   same time, with Django's in-memory e-mail backend, until nothing is left.
4. Reports the rate (bar: ≥ 1,000 a second), duplicates (must be 0: no notification sent twice,
   no e-mail more than rows) and missed (must be 0: every row sent), and writes
   bench/REMINDERS_RESULTS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_setup, setup_database  # noqa: E402

VAR_DIR = "/tmp/pp_bench_rem"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pp_bench_rem"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=50)
    parser.add_argument("--participants", type=int, default=100, help="per meeting (host manager + partner users)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500, help="rows claimed per dispatcher round")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the queued reminders of the last run and only dispatch them again"
    )
    parser.add_argument(
        "--variant",
        choices=["dispatch_due", "batch_marked"],
        default="dispatch_due",
        help="dispatch_due: the notifications dispatcher; batch_marked: the proposed one-update-per-batch variant",
    )
    parser.add_argument("--results", default=str(ROOT / "bench" / "REMINDERS_RESULTS.md"))
    return parser.parse_args()


def create_reminders(n_meetings, n_participants):
    from django.utils import timezone

    from meetings import services
    from partnerportal import policy
    from partners.models import Organization, User

    host = Organization.objects.create(name="Bench Host A/S", kind="host")
    partner = Organization.objects.create(name="Bench Logistik A/S", kind="3pl")
    manager = User.objects.create_user(
        "bench", email="bench@example.com", organization=host, role=policy.MANAGER, language="da"
    )
    people = [manager] + [
        User(
            username=f"p{i}",
            email=f"p{i}@example.com",
            organization=partner,
            role=policy.PARTNER_VIEWER,
            language="da" if i % 2 else "en",
        )
        for i in range(n_participants - 1)
    ]
    User.objects.bulk_create(people[1:])
    people = [manager, *User.objects.filter(organization=partner).order_by("pk")]
    now = timezone.now()
    for i in range(n_meetings):
        start = now + timedelta(days=5, hours=i)
        meeting = services.meeting_create(
            user=manager,
            partner=partner,
            title=f"Driftsmøde {i + 1}",
            start=start,
            end=start + timedelta(hours=1),
            location="Mødelokale 2",
            participants=people,
        )
        assert meeting.pk
    from partnerportal.notifications.models import Notification

    return Notification.objects.filter(key__contains=":reminder:", status="pending").count()


def dispatch_batch_marked(*, now, batch_size):
    """The proposed variant of dispatch_due (see the report): the same claim (SKIP LOCKED) and the
    same e-mails, but the sent rows of a batch are marked with ONE update instead of one per row."""
    from django.core.mail import get_connection
    from django.db.models import F
    from django.utils import timezone

    from partnerportal.notifications import services
    from partnerportal.notifications.models import Notification, NotificationStatus

    rows, claimed_at = services.claim_due(batch_size=batch_size, now=now)
    sent = []
    connection = get_connection(fail_silently=False)
    for notification in rows:
        message = services._email_for(notification, connection, **services._email_options())
        if message is not None:
            message.send(fail_silently=False)
        sent.append(notification.pk)
    marked = list(
        Notification.objects.filter(pk__in=sent, status=NotificationStatus.SENDING, claimed_at=claimed_at).values_list(
            "pk", flat=True
        )
    )
    Notification.objects.filter(pk__in=marked).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )

    class Result:
        claimed = len(rows)
        sent_ids = marked

    return Result


def worker(url, batch, due_at, queue, variant="dispatch_due"):
    """One dispatcher process: claim and send until nothing is due any more."""
    django_setup(url, VAR_DIR)
    from django.core import mail

    from partnerportal.notifications.services import dispatch_due

    if variant == "batch_marked":
        dispatch_due = dispatch_batch_marked  # noqa: F811

    sent_ids, rounds = [], 0
    started = time.perf_counter()
    while True:
        result = dispatch_due(now=due_at, batch_size=batch)
        rounds += 1
        sent_ids.extend(result.sent_ids)
        if not result.claimed:
            break
    elapsed = time.perf_counter() - started
    sent = getattr(mail, "outbox", [])  # the locmem backend creates it on the first message
    attachments = sum(1 for m in sent for a in m.attachments if a[0] == "meeting.ics")
    queue.put(
        {
            "sent_ids": sent_ids,
            "emails": len(sent),
            "ics": attachments,
            "rounds": rounds,
            "elapsed": elapsed,
            "pid": os.getpid(),
        }
    )


def main():
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    print(f"Database: {url}")
    if not args.reuse:
        setup_database(url)
    django_setup(url, VAR_DIR)
    from django.core.management import call_command

    if args.reuse:
        from partnerportal.notifications.models import Notification

        queue_seconds = None
        Notification.objects.filter(key__contains=":reminder:").update(
            status="pending", claimed_at=None, sent_at=None, attempts=0
        )
        total = Notification.objects.filter(key__contains=":reminder:").count()
        print(f"Reusing {total:,} queued reminders")
    else:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        total = create_reminders(args.meetings, args.participants)
        queue_seconds = time.perf_counter() - t0
        print(f"Queued {total:,} reminders through the meetings services in {queue_seconds:.1f} s")
    load_before = os.getloadavg()[0]

    from django.db import connections
    from django.utils import timezone

    due_at = timezone.now() + timedelta(days=30)  # everything is due
    connections.close_all()
    ctx = multiprocessing.get_context("spawn")
    results_queue = ctx.Queue()
    processes = [
        ctx.Process(target=worker, args=(url, args.batch, due_at, results_queue, args.variant))
        for _ in range(args.workers)
    ]
    started = time.perf_counter()
    for p in processes:
        p.start()
    results = [results_queue.get() for _ in processes]
    for p in processes:
        p.join()
    wall = time.perf_counter() - started
    busy = max(r["elapsed"] for r in results)

    from partnerportal.notifications.models import Notification

    all_ids = [pk for r in results for pk in r["sent_ids"]]
    counts = Counter(all_ids)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    emails = sum(r["emails"] for r in results)
    duplicates += max(emails - total, 0)
    status = Counter(Notification.objects.filter(key__contains=":reminder:").values_list("status", flat=True))
    # Missed: rows no worker reported as sent, or rows not marked sent in the database.
    missed = max(total - len(counts), total - status.get("sent", 0))
    rate = total / busy if busy else 0.0
    lines = [
        "# Reminder dispatch benchmark",
        "",
        "`.venv/bin/python bench/reminders_bench.py` (PostgreSQL, in-memory e-mail backend; not part of the suite).",
        "",
        f"- Reminders queued through `meetings.services.schedule_meeting_reminders`: {total:,} "
        f"({args.meetings} meetings × {args.participants} participants × 2 offsets; agenda in the body, "
        ".ics attached)"
        + (f"; queueing took {queue_seconds:.1f} s" if queue_seconds is not None else " (queued by an earlier run)"),
        f"- Dispatchers: {args.workers} processes running `{args.variant}(batch_size={args.batch})` at once",
        f"- Machine: {os.cpu_count()} CPUs, load average {load_before:.1f} when dispatch started "
        "(the machine is shared with other test runs)",
        "",
        "| measure | value | bar |",
        "|---|---|---|",
        f"| rate (rows ÷ slowest worker's busy time) | {rate:,.0f} / s | ≥ 1,000 / s |",
        f"| wall time incl. process start | {wall:.2f} s | |",
        f"| duplicates | {duplicates} | 0 |",
        f"| missed | {missed} | 0 |",
        f"| e-mails sent | {emails:,} ({sum(r['ics'] for r in results):,} with meeting.ics) | = rows |",
        "",
        "Per worker: "
        + ", ".join(f"{len(r['sent_ids']):,} sent in {r['elapsed']:.2f} s ({r['rounds']} rounds)" for r in results),
        "",
        f"Outcome: {'PASS' if rate >= 1000 and duplicates == 0 and missed == 0 else 'FAIL'}",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    Path(args.results).write_text(report, encoding="utf-8")
    return 0 if rate >= 1000 and duplicates == 0 and missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
