"""A dispatcher process killed with SIGKILL mid-batch: at most the one message in flight repeats, with the
same Message-ID; and EMAIL_URL=filemail:///dir writes into that directory."""

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from partnerportal.notifications import services
from partnerportal.notifications.models import Notification, NotificationStatus
from tests.notifications.helpers import make_many

ROOT = Path(settings.BASE_DIR)
SEPARATOR = "-" * 79


def _env(mail_dir: Path, **extra) -> dict:
    """The environment of a real process on the real settings, on this test's database."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "EMAIL_URL": f"filemail://{mail_dir}",
        "SITE_URL": settings.SITE_URL,
        "DEFAULT_FROM_EMAIL": "Partner portal <portal@portal.example.org>",
        "LOG_LEVEL": "WARNING",
    }
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env.update(extra)
    return env


def _messages(mail_dir: Path) -> list[email.message.Message]:
    """Every e-mail the file backend wrote (one file per connection, messages separated by a rule)."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text().split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip(), policy=email.policy.default))
    return found


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second process needs the same real database")
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_repeats_at_most_the_message_in_flight(world, tmp_path):
    make_many(world.manager, 40, prefix="crash-m")
    make_many(world.a_manager, 20, prefix="crash-a")
    mail_dir = tmp_path / "mail"
    env = _env(mail_dir, NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS="1")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.notifications.slow_worker", "25", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Kill it in the middle of its second batch of 25.
        deadline = time.monotonic() + 60
        while len(_messages(mail_dir)) < 33:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker sent nothing in time"
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    written_by_dead_one = len(_messages(mail_dir))
    assert 33 <= written_by_dead_one < 60
    # The rows it had claimed but not finished wait for the claim timeout; the ones it sent are marked.
    statuses = Counter(Notification.objects.values_list("status", flat=True))
    assert statuses[NotificationStatus.SENDING] > 0
    assert statuses[NotificationStatus.SENT] >= written_by_dead_one - 1

    time.sleep(1.5)  # past the (short) claim timeout
    second = subprocess.run(
        [sys.executable, "-m", "tests.notifications.slow_worker", "25", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr

    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 60
    by_key = defaultdict(list)
    for message in _messages(mail_dir):
        by_key[(str(message["To"]), str(message["X-Portal-Notification"]))].append(str(message["Message-ID"]))
    expected = {(world.manager.email, f"crash-m:{i}") for i in range(40)}
    expected |= {(world.a_manager.email, f"crash-a:{i}") for i in range(20)}
    assert set(by_key) == expected
    repeated = {key: ids for key, ids in by_key.items() if len(ids) > 1}
    assert len(repeated) <= 1, f"more than the message in flight was sent again: {sorted(repeated)}"
    for ids in repeated.values():
        assert len(ids) == 2 and len(set(ids)) == 1, ids
    # The Message-ID is the one derived from (recipient, key), on the sender's domain.
    notification = Notification.objects.get(recipient=world.manager, key="crash-m:0")
    assert by_key[(world.manager.email, "crash-m:0")][0] == services.message_id_for(
        notification, domain="portal.example.org"
    )
    assert by_key[(world.manager.email, "crash-m:0")][0].endswith("@portal.example.org>")


def _settings_in_a_process(tmp_path, **env) -> str:
    script = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_FILE_PATH)"
    extra = {"VAR_DIR": str(tmp_path / "var"), **env}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=_env(tmp_path, **extra), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_email_url_filemail_with_a_directory_writes_there(tmp_path):
    target = tmp_path / "outgoing mail"
    script = (
        "import django; django.setup(); from django.core.mail import send_mail; "
        "send_mail('Hello', 'Body', None, ['someone@example.com'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_env(tmp_path, EMAIL_URL=f"filemail://{target}".replace(" ", "%20"), VAR_DIR=str(tmp_path / "var")),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    [message] = _messages(target)
    assert message["Subject"] == "Hello"
    assert not (tmp_path / "var" / "mail").exists()

    # Without a directory: $VAR_DIR/mail, as documented.
    assert _settings_in_a_process(tmp_path, EMAIL_URL="filemail://") == str(tmp_path / "var" / "mail")
