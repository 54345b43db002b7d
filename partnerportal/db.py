"""Database session limits per kind of process.

Web requests run with ``DB_STATEMENT_TIMEOUT_MS`` (set in the connection options by the
settings): a stuck database or a runaway query answers an error after that time instead of
holding a gunicorn worker. Celery workers and management commands (``migrate``, the
``kpis_load_csv`` loader, ``seed_demo``) do longer work on purpose and switch, once at start, to
``DB_TASK_STATEMENT_TIMEOUT_MS``.
"""

import re

from django.conf import settings
from django.db import connections

_TIMEOUT = re.compile(r"-c\s*statement_timeout=\S+")


def _with_timeout(options: str, milliseconds: int) -> str:
    rest = _TIMEOUT.sub("", options or "").strip()
    return f"{rest} -c statement_timeout={int(milliseconds)}".strip()


def use_statement_timeout(milliseconds: int) -> None:
    """Give this process's PostgreSQL connections (open ones and those made later) a new limit."""
    for alias in connections:
        settings_dict = connections.settings[alias]
        if not settings_dict["ENGINE"].startswith("django.db.backends.postgresql"):
            continue
        options = settings_dict.setdefault("OPTIONS", {})
        options["options"] = _with_timeout(options.get("options", ""), milliseconds)
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "postgresql" and connection.connection is not None:
            connection.settings_dict.setdefault("OPTIONS", {})["options"] = _with_timeout(
                connection.settings_dict.get("OPTIONS", {}).get("options", ""), milliseconds
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(int(milliseconds))])


def use_task_statement_timeout(**_signal_kwargs) -> None:
    """For Celery workers and management commands (usable as a signal receiver)."""
    use_statement_timeout(settings.DB_TASK_STATEMENT_TIMEOUT_MS)
