"""The monthly rollup, kept exact: every write path locks the months it touches, then refreshes them.

A refresh recomputes the month's sums from the measurements themselves (not by adding deltas),
so a correction, a re-import or a deletion can never leave the rollup drifting.

Concurrent writers (the form, the import, the API, the bulk loader) stay exact because each takes
`lock()` on the (partner, KPI, month) keys it touches, in one sorted order, BEFORE it writes a
measurement, and holds the locks until it commits. Two writers of the same month therefore run one
after the other: the second one's refresh (a new statement, so a new snapshot under READ COMMITTED)
sees every row the first one committed, and no writer waits for a lock held by one waiting for it
(no deadlock). On SQLite, writes are serialised anyway and there is nothing to lock.
"""

import hashlib
from collections.abc import Iterable
from datetime import date

from django.db import connection

from . import signals
from .models import Measurement, MonthlyRollup

# More keys than this in one transaction (a day's load for every partner, a history load) take the
# measurements' table lock instead of one advisory lock per key: advisory locks live in PostgreSQL's
# shared lock table (max_locks_per_transaction × connections, 6,400 slots by default).
MAX_KEY_LOCKS = 256
REFRESH_CHUNK = 1000  # keys per statement (4 parameters each; SQLite allows 32,766)
SUM_COLUMNS = (
    "sum_value",
    "sum_numerator",
    "sum_denominator",
    "sum_weighted",
    "sum_sample_size",
    "count",
    "last_start",
)


def month_keys(keys: Iterable[tuple[int, int, date]]) -> set[tuple[int, int, date]]:
    """(partner_id, kpi_id, month start) of (partner_id, kpi_id, any day of the month) keys."""
    return {(p, k, day.replace(day=1)) for p, k, day in keys}


def lock_id(partner_id: int, kpi_id: int, month: date) -> int:
    """The advisory lock key (a signed 64-bit number) of one partner/KPI/month of the rollup.

    A hash: two keys that happen to share a number only wait for each other, which is harmless.
    """
    text = f"kpis.rollup:{partner_id}:{kpi_id}:{month:%Y-%m}".encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


def lock(keys: Iterable[tuple[int, int, date]]) -> None:
    """Lock the rollup months of the given (partner_id, kpi_id, day) keys until the transaction ends.

    Call it inside the writer's transaction BEFORE writing measurements, with every month the write
    touches. The locks are taken in one global order (sorted lock ids), so writers never deadlock on
    them; above MAX_KEY_LOCKS months the measurements' table is locked against other writers instead
    (readers go on), as the bulk loader does for new rows. The two kinds nest: a writer of a few months
    holds the table in ROW EXCLUSIVE mode before its key locks, so a whole-table writer waits until it
    commits, and it takes no key lock while a whole-table writer runs. A writer waits only for writers
    that hold all their locks already, so there is no cycle.
    """
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("rollups.lock() needs a transaction (the locks last until it ends)")
    months = month_keys(keys)
    if not months:
        return
    table = Measurement._meta.db_table
    with connection.cursor() as cursor:
        if len(months) > MAX_KEY_LOCKS:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            return
        # First the table in the mode every write takes anyway: it waits while a writer holds the whole
        # table (the case above, the loader's new rows), and such a writer waits for this one to commit
        # (not only for its rows: it must not read the stored rows before this one has written them).
        ids = sorted({lock_id(*key) for key in months})
        # unnest() hands the ids out in the array's (sorted) order and each row takes its lock in turn.
        table_lock = f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE"
        key_locks = "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS t(k)"
        if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
            cursor.execute(table_lock)  # a prepared statement holds one command only
            cursor.execute(key_locks, [ids])
        else:  # both in one round trip (client-side binding), the table's lock first
            cursor.execute(f"{table_lock}; {key_locks}", [ids])


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def refresh(keys: Iterable[tuple[int, int, date]]) -> None:
    """Recompute the rollup rows of the given (partner_id, kpi_id, day) keys' months from the measurements.

    The one entry point of every write path (the form, the import, the API, the admin's deletes, the
    loader): call it after writing, with every month written. Set-based: on PostgreSQL one statement
    for all the months, whatever their number (the keys go in as three arrays; see `recompute`); on
    other databases one upsert and one delete per REFRESH_CHUNK months. Concurrent writers must have
    taken `lock()` first. Sends `kpis.signals.rollup_refreshed` with the months' keys, once per call.
    """
    months = sorted(month_keys(keys))
    if not months:
        return
    if connection.vendor == "postgresql":
        partner_ids, kpi_ids, starts = (list(column) for column in zip(*months, strict=True))
        with connection.cursor() as cursor:
            recompute(
                cursor,
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS k (partner_id, kpi_id, month)",
                [partner_ids, kpi_ids, starts],
            )
    else:
        for at in range(0, len(months), REFRESH_CHUNK):
            _refresh_chunk(months[at : at + REFRESH_CHUNK])
    refreshed(months)


def refreshed(months: Iterable[tuple[int, int, date]]) -> None:
    """Tell the apps above which rollup months were recomputed (`kpis.signals.rollup_refreshed`): the
    relations app refreshes those partners' health scores on commit. `refresh` sends it; the bulk
    loader, which recomputes the rollup with its own statements, calls it once per load."""
    # Once per call (not per row): the apps above note what changed (relations' health score).
    signals.rollup_refreshed.send(sender=MonthlyRollup, keys=month_keys(months))


def recompute(cursor, keys_sql: str, params=()) -> None:
    """PostgreSQL: recompute the rollup rows of the (partner_id, kpi_id, month) keys that `keys_sql`
    selects, from the measurements themselves, in ONE statement: the months with measurements are
    upserted, the months left without any are deleted (a data-modifying CTE; the two sets of rows are
    disjoint). The sums are rebuild_all's: a value counts in the month of its period start (a week that
    reaches into the next month counts in the month it starts in), rows of every site included.
    Shared by `refresh` (keys as arrays) and the bulk loader (keys from its work table)."""
    rollup = MonthlyRollup._meta.db_table
    measurement = Measurement._meta.db_table
    columns = ", ".join(SUM_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in SUM_COLUMNS)
    cursor.execute(
        f"""
        WITH t AS (SELECT DISTINCT partner_id, kpi_id, month FROM ({keys_sql}) AS keys),
        sums AS (
            SELECT t.partner_id, t.kpi_id, t.month, SUM(m.value) AS sum_value,
                   COALESCE(SUM(m.numerator), 0) AS sum_numerator, COALESCE(SUM(m.denominator), 0) AS sum_denominator,
                   COALESCE(SUM(m.value * m.sample_size), 0) AS sum_weighted,
                   COALESCE(SUM(m.sample_size), 0) AS sum_sample_size, COUNT(m.id) AS count,
                   MAX(m.period_start) AS last_start
            FROM t LEFT JOIN {measurement} m
                ON m.partner_id = t.partner_id AND m.kpi_id = t.kpi_id
                AND m.period_start >= t.month AND m.period_start < (t.month + interval '1 month')::date
            GROUP BY t.partner_id, t.kpi_id, t.month
        ),
        emptied AS (
            DELETE FROM {rollup} r USING sums s
            WHERE s.count = 0 AND r.partner_id = s.partner_id AND r.kpi_id = s.kpi_id AND r.month = s.month
        )
        INSERT INTO {rollup} (partner_id, kpi_id, month, {columns})
        SELECT partner_id, kpi_id, month, {columns} FROM sums WHERE count > 0
        ORDER BY partner_id, kpi_id, month
        ON CONFLICT (partner_id, kpi_id, month) DO UPDATE SET {updates}
        """,  # noqa: S608 - table and column names from the models; keys_sql from this app's code
        params or None,
    )


def _refresh_chunk(months: list[tuple[int, int, date]]) -> None:
    """Other databases (SQLite): the keys as VALUES, one upsert and one delete."""
    rollup = MonthlyRollup._meta.db_table
    measurement = Measurement._meta.db_table
    params = []
    for partner_id, kpi_id, month in months:
        params += [partner_id, kpi_id, month.isoformat(), _next_month(month).isoformat()]
    values = ", ".join(["(%s, %s, %s, %s)"] * len(months))
    keys = f"WITH t (partner_id, kpi_id, month, month_end) AS (VALUES {values})"
    columns = ", ".join(SUM_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in SUM_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            {keys}
            INSERT INTO {rollup} (partner_id, kpi_id, month, {columns})
            SELECT t.partner_id, t.kpi_id, t.month, COALESCE(SUM(m.value), 0), COALESCE(SUM(m.numerator), 0),
                   COALESCE(SUM(m.denominator), 0), COALESCE(SUM(m.value * m.sample_size), 0),
                   COALESCE(SUM(m.sample_size), 0), COUNT(*), MAX(m.period_start)
            FROM t, {measurement} m
            WHERE m.partner_id = t.partner_id AND m.kpi_id = t.kpi_id
              AND m.period_start >= t.month AND m.period_start < t.month_end
            GROUP BY t.partner_id, t.kpi_id, t.month
            ON CONFLICT (partner_id, kpi_id, month) DO UPDATE SET {updates}
            """,  # noqa: S608 - table and column names from the models; the keys are parameters
            params,
        )
        cursor.execute(
            f"""
            {keys}
            DELETE FROM {rollup} WHERE EXISTS (
                SELECT 1 FROM t WHERE t.partner_id = {rollup}.partner_id AND t.kpi_id = {rollup}.kpi_id
                    AND t.month = {rollup}.month AND NOT EXISTS (
                        SELECT 1 FROM {measurement} m WHERE m.partner_id = t.partner_id AND m.kpi_id = t.kpi_id
                            AND m.period_start >= t.month AND m.period_start < t.month_end))
            """,  # noqa: S608
            params,
        )


def rebuild_all() -> None:
    """Recompute the whole rollup from the measurements in one statement (after a bulk load)."""
    rollup = MonthlyRollup._meta.db_table
    measurement = Measurement._meta.db_table
    if connection.vendor == "postgresql":
        month = "date_trunc('month', period_start)::date"
    else:
        month = "date(period_start, 'start of month')"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup}")  # noqa: S608 - table names from the models
        cursor.execute(
            f"""
            INSERT INTO {rollup} (partner_id, kpi_id, month, sum_value, sum_numerator, sum_denominator,
                                  sum_weighted, sum_sample_size, count, last_start)
            SELECT partner_id, kpi_id, {month}, SUM(value), COALESCE(SUM(numerator), 0),
                   COALESCE(SUM(denominator), 0), COALESCE(SUM(value * sample_size), 0),
                   COALESCE(SUM(sample_size), 0), COUNT(*), MAX(period_start)
            FROM {measurement}
            GROUP BY partner_id, kpi_id, {month}
            """  # noqa: S608
        )
