"""A real dispatcher process for the crash tests: `python -m tests.notifications.slow_worker BATCH DELAY`.

It runs the Celery task's function (what a worker runs) with the settings the environment gives
(EMAIL_URL=filemail:///dir, DATABASE_URL, NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS, ...). DELAY seconds
pass after each e-mail has been written to its file, so a test can kill the process mid-batch:
the slow part is the mail server, not the dispatcher under test.
"""

import sys
import time

import django


def main(batch_size: int, delay: float) -> None:
    django.setup()
    from django.core.mail.backends import filebased

    from partnerportal.notifications import tasks

    send_messages = filebased.EmailBackend.send_messages

    def slow_send_messages(self, messages):
        sent = send_messages(self, messages)
        time.sleep(delay)
        return sent

    filebased.EmailBackend.send_messages = slow_send_messages
    print("started", flush=True)
    print(tasks.dispatch_due_notifications(batch_size=batch_size), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
