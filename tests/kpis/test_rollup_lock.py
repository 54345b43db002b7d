"""rollups.lock(): the table's lock and the months' advisory locks in one round trip (issue 16)."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kpis import rollups
from kpis.models import Measurement

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks: PostgreSQL"),
]


def _held():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE locktype = 'advisory'),"
            " count(*) FILTER (WHERE relation = %s::regclass AND mode = 'RowExclusiveLock')"
            " FROM pg_locks WHERE pid = pg_backend_pid()",
            [Measurement._meta.db_table],
        )
        return cursor.fetchone()


def test_lock_takes_the_table_and_every_month_in_one_round_trip():
    keys = [(1, 2, date(2026, 3, 4)), (1, 2, date(2026, 3, 20)), (1, 3, date(2026, 4, 1)), (5, 2, date(2026, 3, 1))]
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            rollups.lock(keys)
        assert len(captured.captured_queries) == 1
        advisory, table = _held()
        assert advisory == 3  # three months: (1, 2, March), (1, 3, April), (5, 2, March)
        assert table == 1


def test_lock_with_server_side_binding_takes_two_statements(monkeypatch):
    options = {**connection.settings_dict.get("OPTIONS", {}), "server_side_binding": True}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            rollups.lock([(1, 2, date(2026, 3, 4))])
        assert len(captured.captured_queries) == 2
        assert _held() == (1, 1)
