"""The bulk loader for millions of measurements (management command `kpis_load_csv`).

PostgreSQL, two paths, both all or nothing:

1. New daily rows only (the common case: a history load, the next days of data). The file is
   streamed through a light per-line check in Python (known partner, KPI and site codes, daily
   periods, ratio parts that give a value) straight into the measurements with one COPY, with ids the
   loader hands out itself from the table's sequence; a sender thread feeds PostgreSQL while
   Python checks the next block on the other core. One grouped pass over the new rows then
   checks the numbers set-based (ranges, negative counts, future periods, KPIs not assigned to
   the partner, a total beside values per site, or beside stored values of another kind or site
   level) and yields the monthly sums for the rollup. The unique key refuses any row that
   is already there (or twice in the file). Other writers wait until the load commits. A load
   larger than the table drops its indexes, primary key and the foreign keys pointing at it
   first and rebuilds each in one sorted pass (readers of the raw measurements and of the case
   links to them wait too then; the pages read the rollup).
2. Anything else (weeks and months, a correction of existing rows, or any problem found on the
   way): the first path is rolled back and the file is streamed with COPY into a staging table,
   checked there with set-based queries that name the lines at fault (unknown partner / KPI /
   site, numbers out of range, a denominator of zero, future periods, the same key twice, days
   another value already covers), and upserted into the measurements in one statement.

Either way the monthly rollup of the months touched is exact: months that had no rows before are
written from the grouped pass, months that did are recomputed from the measurements.

Rows created by the loader get no history row (that would double the cost of a load); when such
a row is later corrected by the loader or any other path, its earlier value is snapshotted first,
so a correction always keeps the earlier value.

Other databases (SQLite in development): the rows go through the normal validated service.
"""

from __future__ import annotations

import csv
import io
import math
import operator
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from itertools import compress

import psycopg
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from partners.selectors import host_id, partner_queryset, site_queryset

from . import rollups
from .columns import COLUMNS
from .models import Aggregation, KPIDefinition, Measurement, MonthlyRollup, PartnerKPI

REBUILD_MIN_ROWS = 100_000  # loads larger than this and than the table rebuild the plain indexes


class LoadError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _check_header(header: list[str]) -> None:
    if header != COLUMNS:
        raise LoadError([f"line 1: the header must be {','.join(COLUMNS)} (got {','.join(header)})."])


@dataclass
class LoadResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    months: int = 0
    timings: list = field(default_factory=list)


def load_csv(path, *, progress=None, user=None, alerts=True) -> LoadResult:
    if connection.vendor == "postgresql":
        return _load_postgres(path, progress=progress, user=user, alerts=alerts)
    return _load_generic(path, progress=progress, user=user)


# --- PostgreSQL -----------------------------------------------------------------------------------


# Work tables: UNLOGGED (not TEMP: temp tables live in small per-session buffers and are slow at
# this size), with a per-load suffix; they are dropped at the end, or vanish with a rollback.
WORK_TABLES = re.compile(r"\bkpi_(stage|rows|months|changed|groups)\b")


class _Timed:
    """Cursor wrapper that records how long each statement takes (LoadResult.timings)."""

    def __init__(self, cursor, timings, suffix):
        self._cursor, self.timings, self.suffix = cursor, timings, suffix
        self.cursor = cursor.cursor

    def work_table_sql(self, sql):
        return WORK_TABLES.sub(lambda match: f"{match.group(0)}_{self.suffix}", sql)

    def execute(self, sql, params=None):
        sql = self.work_table_sql(sql)
        started = time.perf_counter()
        try:
            return self._cursor.execute(sql, params)
        finally:
            label = " ".join(sql.split())[:70]
            self.timings.append((label, time.perf_counter() - started))

    def __getattr__(self, name):
        return getattr(self._cursor, name)


def _check(cursor, problems, sql, message, limit=5):
    """Add (line, message) for the first `limit` rows `sql` finds (its first column is the file's line)."""
    cursor.execute(sql + f" LIMIT {limit}")
    rows = cursor.fetchall()
    for row in rows:
        problems.append((row[0], message.format(*row)))


MAX_PROBLEMS = 30  # messages a refused load lists (in the order of the file's lines)


def _refuse(problems: list[tuple[int, str]]):
    ordered = [message for _line, message in sorted(problems, key=lambda problem: problem[0])]
    if len(ordered) > MAX_PROBLEMS:
        ordered = [*ordered[:MAX_PROBLEMS], f"… and {len(ordered) - MAX_PROBLEMS} more"]
    raise LoadError(ordered)


def _stage(handle, write, *, references, progress) -> tuple[int, list[tuple[int, str]]]:
    """Read the file as the services read a file (csv quoting, blank lines skipped, fields read by
    kpis.rules) and write each good line, with its line number in the file, in COPY format.

    Returns (data rows, [(line, message)] for the lines that cannot be read). Lines are counted as
    a person counts them: the header is line 1, blank lines and line breaks inside quotes count.
    """
    from . import rules, services

    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise LoadError([f"line 1: the file could not be read ({exc})"]) from None
    if header is None:
        raise LoadError(["The file is empty."])
    _check_header([name.strip() for name in header])
    labels = ("value", "numerator", "denominator", "sample size")
    dates: dict[str, object] = {}
    kinds: dict[str, object] = {}
    problems: list[tuple[int, str]] = []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rows, line, reported = 0, 2, 0
    try:
        for record in reader:
            first, line = line, reader.line_num + 1
            if not any(field.strip() for field in record):
                continue
            rows += 1
            errors = []
            if len(record) > len(COLUMNS) and any(field.strip() for field in record[len(COLUMNS) :]):
                errors.append(f"it has {len(record)} fields, but the header has {len(COLUMNS)}")
            record += [""] * (len(COLUMNS) - len(record))
            raw_partner, raw_kpi, raw_kind, raw_start, raw_site = record[:5]
            partner = kpi = site = kind = start = None
            try:
                partner = references.partner(raw_partner) if raw_partner.strip() else None
                if partner is None:
                    errors.append("the partner is missing")
            except ValueError as exc:
                errors.append(str(exc))
            try:
                kpi = references.kpi(raw_kpi)
            except ValueError as exc:
                errors.append(str(exc))
            if raw_site.strip():
                try:
                    site = references.site(raw_site)
                except ValueError as exc:
                    errors.append(str(exc))
            if raw_kind not in kinds:
                try:
                    kinds[raw_kind] = rules.parse_period_kind(raw_kind)
                except ValueError as exc:
                    kinds[raw_kind] = exc
            kind = kinds[raw_kind]
            if raw_start not in dates:
                try:
                    dates[raw_start] = rules.parse_date(raw_start)
                except ValueError as exc:
                    dates[raw_start] = exc
            start = dates[raw_start]
            for parsed in (kind, start):
                if isinstance(parsed, ValueError):
                    errors.append(str(parsed))
            numbers = []
            for raw, label in zip(record[5:9], labels, strict=True):
                try:
                    numbers.append(rules.parse_number(raw, field_label=label))
                except ValueError as exc:
                    errors.append(str(exc))
            if errors:
                reported += 1
                if reported <= MAX_PROBLEMS:
                    problems.append((first, f"line {first}: " + "; ".join(errors)))
                continue
            start = services.normalise_period(kind, start)
            writer.writerow([first, partner.pk, kpi.pk, kind, start, site.pk if site else None, *numbers])
            if out.tell() > BLOCK_BYTES:
                write(out.getvalue())
                out.seek(0)
                out.truncate()
                if progress is not None:
                    progress.update(handle.tell() - getattr(progress, "n", 0))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise LoadError([f"line {line}: the file could not be read ({exc})"]) from None
    write(out.getvalue())
    if progress is not None:
        progress.update(handle.tell() - getattr(progress, "n", 0))
    if rows == 0:
        raise LoadError(["The file has a header row but no measurements."])
    if reported > MAX_PROBLEMS:
        problems.append((line, f"… and {reported - MAX_PROBLEMS} more lines that cannot be read"))
    return rows, problems


def _load_postgres(path, *, progress, user, alerts) -> LoadResult:
    try:
        return _load_new_rows(path, progress=progress, user=user, alerts=alerts)
    except _Fallback as reason:
        if progress is not None and hasattr(progress, "reset"):
            progress.reset()
        result = _load_checked(path, progress=progress, user=user, alerts=alerts)
        result.timings.insert(0, (f"new-rows path not taken: {str(reason)[:60]}", 0.0))
        return result


class _Fallback(Exception):  # noqa: N818 - a signal, not an error: the checking path takes over
    """The new-rows path does not apply to this file (or found a problem the checking path reports)."""


BLOCK_BYTES = 1 << 22  # the file is read and handed to COPY in blocks of whole lines
BYTES_PER_LINE = 40  # a lower bound, to guess the number of rows from the file size
PIECE_BYTES = 1 << 16  # blocks are checked in pieces of whole lines that stay in the CPU cache
# The COPY path takes days only: weeks and months go the checking path, which stores them at their
# first day and checks their overlaps with other values exactly (so the COPY is not spent on them).
KINDS = {b"day"}
NUMBER_BYTES = b"0123456789.eE+-"  # the only bytes of a number the COPY path takes (PostgreSQL parses it)
_PLAIN_NUMBER = re.compile(rb"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _plain_or_empty(field: bytes) -> bool:
    return not field or _PLAIN_NUMBER.fullmatch(field) is not None


def _lookups():
    """Partners, active KPIs and sites as the COPY path reads them (exact codes; anything else falls
    back to the checking path, which reads them as rules.References does), and the (partner, site
    code) pairs allowed: a partner's own sites and the host's (as services.check_measurement)."""
    host = host_id()
    partners = {str(pk).encode() for pk in partner_queryset().values_list("pk", flat=True)}
    kpis = {
        code.encode(): (str(pk).encode(), aggregation, scale)
        for code, pk, aggregation, scale in KPIDefinition.objects.filter(is_active=True).values_list(
            "code", "pk", "aggregation", "scale"
        )
    }
    site_rows = [
        (code.encode(), str(pk).encode(), owner)
        for code, pk, owner in site_queryset().values_list("code", "pk", "organization_id")
        if code
    ]
    sites = {code: pk for code, pk, _owner in site_rows}
    host_sites = [code for code, _pk, owner in site_rows if owner == host]
    allowed = {(partner, b"") for partner in partners}
    allowed.update((partner, code) for partner in partners for code in host_sites)
    allowed.update((str(owner).encode(), code) for code, _pk, owner in site_rows if owner != host)
    return partners, kpis, sites, allowed


def _blocks(handle):
    """Yield (first line number, block of whole lines ending in a newline) from the file's position on."""
    number, rest = 2, b""  # line 1 is the header
    while chunk := handle.read(BLOCK_BYTES):
        block = rest + chunk
        cut = block.rfind(b"\n") + 1
        block, rest = block[:cut], block[cut:]
        if block:
            yield number, block
            number += block.count(b"\n")
    if rest:
        yield number, rest + b"\n"


def _stream(handle, write, *, lookups, tail, progress, first_id):
    """Check each line lightly and write it in the measurement's COPY format, with ids from
    `first_id` on; returns the row count.

    Anything unusual (quotes, a carriage return, a wrong number of fields, an unknown code, ratio
    parts that give no value) raises _Fallback: the checking path then names the line and what is
    wrong with it.

    This is the Python half of the load (PostgreSQL's half runs in parallel), so it works on whole
    columns where it can: each block is cut into pieces small enough to stay in the CPU cache; a
    piece is split into one flat list of fields, checked with set and dict operations over whole
    columns, and formatted with one `bytes % tuple` whose template is joined from per-KPI line
    templates. A piece that path does not accept goes through the line-by-line check instead,
    which gives the same result or names the line at fault.
    """
    partners, kpis, sites, allowed_sites = lookups
    ratio, weighted = Aggregation.RATIO.value, Aggregation.WEIGHTED_AVERAGE.value

    # Per KPI, a line template without and one with a site column: the KPI's id is baked in, fields
    # the KPI does not keep are consumed by `%.0b`, and a ratio's value is its float, put out by `%a`
    # (its repr). The arguments per line: id, partner, kind, start, [site,] value, numerator,
    # denominator, sample size.
    templates: tuple[dict, dict] = ({}, {})
    line_end = b"," + tail.replace(b"%", b"%%")
    for code, (kpi_id, aggregation, _) in kpis.items():
        if aggregation == ratio:
            value, kept = b"%a", b"%b,%b,%.0b"
        elif aggregation == weighted:
            value, kept = b"%b", b"%.0b,%.0b,%b"
        else:
            value, kept = b"%b", b"%.0b,%.0b,%.0b"
        head = b"%d,%b," + kpi_id.replace(b"%", b"%%") + b",%b,%b,"
        templates[0][code] = head + b"," + value + b"," + kept + line_end
        templates[1][code] = head + b"%b," + value + b"," + kept + line_end
    ratio_codes = {code for code, (_, aggregation, _) in kpis.items() if aggregation == ratio}
    scales = {code: scale for code, (_, _, scale) in kpis.items()}
    known_partners = set(partners)
    site_ids = {**sites, b"": b""}
    weighted_codes = {code for code, (_, aggregation, _) in kpis.items() if aggregation == weighted}

    def by_columns(piece, next_id):
        """(rows, COPY text) of a piece, or None (or any exception) if by_lines has to look at it."""
        rows = piece.count(b"\n")
        # [slot, partner, kpi, kind, start, site, value, numerator, denominator, sample size] per line,
        # then [slot, b""]; each slot is a b"\n" of its own, so rows + 1 of them in place = 9 fields a line.
        fields = (b"\n," + piece.replace(b"\n", b",\n,")).split(b",")
        if len(fields) != 10 * rows + 2 or fields[0::10].count(b"\n") != rows + 1:
            return None
        fields[0::10] = range(next_id, next_id + rows + 1)
        del fields[-2:]
        codes = fields[2::10]
        del fields[2::10]
        if not (known_partners.issuperset(fields[1::9]) and KINDS.issuperset(fields[2::9])):
            return None
        # Numbers as the services read them: no text, NaN or infinity (no letters but e), no negative
        # count; fields the KPI does not keep are empty, but for a ratio's value, which must be a number.
        numbers = b"".join(fields[5::9] + fields[6::9] + fields[7::9] + fields[8::9])
        if numbers.translate(None, NUMBER_BYTES) or b"-" in b"".join(fields[6::9] + fields[7::9] + fields[8::9]):
            return None
        is_ratio = list(map(ratio_codes.__contains__, codes))
        not_ratio = [not r for r in is_ratio]
        if any(compress(fields[6::9], not_ratio)) or any(compress(fields[7::9], not_ratio)):
            return None
        if any(compress(fields[8::9], [c not in weighted_codes for c in codes])):
            return None
        if not all(map(_plain_or_empty, compress(fields[5::9], is_ratio))):
            return None
        with_sites = any(fields[4::9])
        if with_sites:
            if not allowed_sites.issuperset(zip(fields[1::9], fields[4::9], strict=True)):
                return None  # a site of another partner (or unknown): the checking path names it
            fields[4::9] = map(site_ids.__getitem__, fields[4::9])  # KeyError: unknown site
        else:
            del fields[4::9]
        width = 8 + with_sites  # arguments per line; value, numerator, denominator are the 4th to 2nd last
        template = b"".join(map(templates[with_sites].__getitem__, codes))  # KeyError: unknown KPI
        ratio_rows = list(compress(range(rows), is_ratio))
        if ratio_rows:
            numerators = list(compress(fields[width - 3 :: width], is_ratio))
            denominators = list(compress(fields[width - 2 :: width], is_ratio))
            if (b"".join(numerators) + b"".join(denominators)).isdigit():
                # Whole numbers: int() is twice as fast as float(), and below 2**53 both are exact, so
                # the quotient is the same float (finite, as the denominator is at least 1).
                numerators, denominators = list(map(int, numerators)), list(map(int, denominators))
                if not (min(denominators) > 0 and max(numerators) < 2**53 and max(denominators) < 2**53):
                    return None
                quotients = map(operator.truediv, numerators, denominators)
            else:
                numerators, denominators = list(map(float, numerators)), list(map(float, denominators))
                if not (all(map((0.0).__lt__, denominators)) and all(map((0.0).__le__, numerators))):
                    return None
                quotients = list(map(operator.truediv, numerators, denominators))
                if not all(map(math.isfinite, quotients)):
                    return None
            values = map(operator.mul, quotients, map(scales.__getitem__, compress(codes, is_ratio)))
            for row, value in zip(ratio_rows, values, strict=True):
                fields[width * row + width - 4] = value
        return rows, template % tuple(fields)

    def by_lines(piece, number, next_id):
        """(rows, COPY text) of a piece, checked line by line; raises _Fallback naming the line at fault."""
        out: list[bytes] = []
        append = out.append
        for line in piece.split(b"\n")[:-1]:
            fields = line.split(b",")
            kpi = kpis.get(fields[1]) if len(fields) == 9 else None
            if kpi is None or fields[0] not in partners or fields[2] not in KINDS:
                raise _Fallback(f"line {number + len(out)}: not 9 fields, an unknown partner or KPI, or not a day")
            kpi_id, aggregation, scale = kpi
            kept = (6, 7) if aggregation == ratio else (8,) if aggregation == weighted else ()
            if (
                b"".join(fields[5:]).translate(None, NUMBER_BYTES)
                or b"-" in b"".join(fields[6:])
                or any(fields[i] for i in (6, 7, 8) if i not in kept)
                or (aggregation == ratio and not _plain_or_empty(fields[5]))
            ):
                raise _Fallback(f"line {number + len(out)}: a number the checking path reads")
            if fields[4]:
                site = sites.get(fields[4])
                if site is None or (fields[0], fields[4]) not in allowed_sites:
                    raise _Fallback(f"line {number + len(out)}: unknown site or one of another partner")
                fields[4] = site
            fields[1] = kpi_id
            if aggregation == ratio:
                try:
                    numerator, denominator = float(fields[6]), float(fields[7])
                except ValueError:
                    raise _Fallback(f"line {number + len(out)}: ratio parts") from None
                if not (denominator > 0 and numerator >= 0 and math.isfinite(numerator / denominator)):
                    raise _Fallback(f"line {number + len(out)}: ratio parts")
                fields[5] = repr(numerator / denominator * scale).encode()
                fields[8] = b""
            elif aggregation == weighted:
                fields[6] = fields[7] = b""
            else:
                fields[6] = fields[7] = fields[8] = b""
            fields.append(tail)
            append(b",".join(fields))
        ids = range(next_id, next_id + len(out))
        return len(out), b"".join([b"%d,%b" % pair for pair in zip(ids, out, strict=True)])

    next_id = first_id
    for number, block in _blocks(handle):
        if b'"' in block or b"\r" in block:
            raise _Fallback(f"lines {number}–: quotes or carriage returns")
        texts = []
        start, line = 0, number
        while start < len(block):
            end = block.find(b"\n", start + PIECE_BYTES) + 1 or len(block)
            piece = block[start:end]
            try:
                done = by_columns(piece, next_id)
            except Exception:  # an unknown code, ratio parts that are no numbers, ...: line by line
                done = None
            rows, text = done or by_lines(piece, line, next_id)
            texts.append(text)
            next_id += rows
            line += rows
            start = end
        write(b"".join(texts))
        if progress is not None:
            progress.update(len(block))
    return next_id - first_id


def _normalised_start(alias: str) -> str:
    """SQL: a week starts on its Monday and a month on its first day (as services.normalise_period)."""
    return (
        f"CASE {alias}.period_kind "
        f"WHEN 'week' THEN {alias}.period_start - (EXTRACT(ISODOW FROM {alias}.period_start)::int - 1) "
        f"WHEN 'month' THEN date_trunc('month', {alias}.period_start::timestamp)::date ELSE {alias}.period_start END"
    )


def _period_end(alias: str) -> str:
    """SQL: the last day a (normalised) measurement covers."""
    return (
        f"CASE {alias}.period_kind WHEN 'week' THEN {alias}.period_start + 6 "
        f"WHEN 'month' THEN (date_trunc('month', {alias}.period_start::timestamp) + interval '1 month - 1 day')::date "
        f"ELSE {alias}.period_start END"
    )


def _recompute_rollup(cursor, keys_sql) -> None:
    """Recompute the rollup rows of the (partner_id, kpi_id, month) keys that `keys_sql` selects,
    from the measurements themselves, in one statement (both paths keep the rollup exact this way):
    the statement of every write path (kpis.rollups.recompute)."""
    rollups.recompute(cursor, keys_sql)


def _drop_indexes(cursor, table):
    """Drop the table's indexes, its primary key and the foreign keys that point at it, for a load
    larger than the table (one sorted build each afterwards costs less than row-by-row upkeep).
    Returns what _rebuild_indexes puts back: the unique key first (it is the check for keys
    already there), then the primary key, the other indexes and the foreign keys."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
        [table],
    )
    primary = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass AND NOT indisprimary ORDER BY indisunique DESC, indexrelid",
        [table],
    )
    indexes = cursor.fetchall()
    for referencing, name, _definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {referencing} DROP CONSTRAINT "{name}"')
    for name, _definition in primary:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    unique = [definition for _name, definition in indexes if definition.startswith("CREATE UNIQUE")]
    others = [definition for _name, definition in indexes if not definition.startswith("CREATE UNIQUE")]
    return [
        *unique,
        *(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in primary),
        *others,
        *(
            f'ALTER TABLE {referencing} ADD CONSTRAINT "{name}" {definition}'
            for referencing, name, definition in foreign_keys
        ),
    ]


def _rebuild_indexes(cursor, table, statements) -> None:
    """Put back what _drop_indexes took away, each in one sorted pass (parallel where the server
    allows it)."""
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for statement in statements:
        cursor.execute(statement)


def _load_new_rows(path, *, progress, user, alerts) -> LoadResult:
    """Path 1 (see the module docstring): insert-only, one COPY, checks on the grouped new rows."""
    m = Measurement._meta.db_table
    r = MonthlyRollup._meta.db_table
    k = KPIDefinition._meta.db_table
    a = PartnerKPI._meta.db_table
    today = timezone.localdate()
    user_id = getattr(user, "pk", None)
    tail = b"import," + (b"" if user_id is None else str(int(user_id)).encode()) + b"\n"
    result = LoadResult()
    try:
        with transaction.atomic(), connection.cursor() as raw_cursor:
            cursor = _Timed(raw_cursor, result.timings, uuid.uuid4().hex[:10])
            # Readers go on; other writers wait until the load commits, so the ids the loader hands
            # out itself (from the table's sequence, moved past them at the end) are free.
            cursor.execute(f"LOCK TABLE {m} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                f"SELECT GREATEST(nextval(pg_get_serial_sequence(%s, 'id')), COALESCE(max(id), 0) + 1) FROM {m}",  # noqa: S608
                [m],
            )
            first_id = cursor.fetchone()[0]
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [m])
            estimate = max(cursor.fetchone()[0], 0)
            rebuild = os.path.getsize(path) / BYTES_PER_LINE > max(REBUILD_MIN_ROWS, estimate)
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {m})")  # noqa: S608
            had_rows = cursor.fetchone()[0]
            rebuilt = _drop_indexes(cursor, m) if rebuild else None
            with open(path, "rb") as handle:
                _check_header(handle.readline().decode("utf-8-sig").strip().split(","))
                lookups = _lookups()  # before the COPY: the connection is busy until it ends
                copy_sql = (
                    f"COPY {m} (id, partner_id, kpi_id, period_kind, period_start, site_id, value, numerator, "
                    "denominator, sample_size, source, entered_by_id) FROM STDIN WITH (FORMAT csv)"
                )
                started = time.perf_counter()
                with cursor.cursor.copy(copy_sql, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
                    result.rows = _stream(
                        handle, copy.write, lookups=lookups, tail=tail, progress=progress, first_id=first_id
                    )
                result.timings.append(("checked lines, COPY into the measurements", time.perf_counter() - started))
            if not result.rows:
                raise LoadError(["The file has a header row but no measurements."])
            if result.rows:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [m, first_id + result.rows - 1])
            # One grouped pass, in parallel where the server allows it (a big load first tells the
            # planner how big the table has become); `::timestamp` keeps date_trunc off time zones.
            if rebuilt is not None:  # a small sample is enough for that (autovacuum analyzes fully later)
                cursor.execute("SET LOCAL default_statistics_target = 10")
                cursor.execute(f"ANALYZE {m}")
                cursor.execute("RESET default_statistics_target")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL parallel_tuple_cost = 0.001")
            cursor.execute(
                f"""
                CREATE UNLOGGED TABLE kpi_groups AS
                SELECT partner_id, kpi_id, date_trunc('month', period_start::timestamp)::date AS month,
                       SUM(value) AS sum_value, COALESCE(SUM(numerator), 0) AS sum_numerator,
                       COALESCE(SUM(denominator), 0) AS sum_denominator,
                       COALESCE(SUM(value * sample_size), 0) AS sum_weighted,
                       COALESCE(SUM(sample_size), 0) AS sum_sample_size, COUNT(*) AS count,
                       MAX(period_start) AS last_start, MIN(value) AS min_value, MAX(value) AS max_value,
                       MIN(numerator) AS min_numerator, MIN(sample_size) AS min_sample_size,
                       COUNT(*) - COUNT(sample_size) AS no_sample_size, COUNT(site_id) AS with_site
                FROM {m} WHERE id >= %s GROUP BY 1, 2, 3
                """,  # noqa: S608 - table names from the models
                [first_id],
            )
            cursor.execute(
                f"""
                SELECT count(*) FROM kpi_groups g JOIN {k} d ON d.id = g.kpi_id
                LEFT JOIN {a} a ON a.partner_id = g.partner_id AND a.kpi_id = g.kpi_id
                WHERE a.id IS NULL OR g.last_start > %s
                   OR (d.min_value IS NOT NULL AND g.min_value < d.min_value)
                   OR (d.max_value IS NOT NULL AND g.max_value > d.max_value)
                   OR g.min_numerator < 0 OR g.min_sample_size <= 0
                   OR (d.aggregation = 'weighted_average' AND g.no_sample_size > 0)
                   OR (g.with_site > 0 AND g.with_site < g.count)
                """,  # noqa: S608
                [today],
            )
            if cursor.fetchone()[0]:
                raise _Fallback("a number, period or KPI assignment to report")
            if rebuilt is not None:
                _rebuild_indexes(cursor, m, rebuilt)
            if had_rows:
                # The new days (of one site level per partner KPI and month, above) must not meet
                # a stored week or month that may cover them, nor a stored value of the other site
                # level on the same day; either sends the file the checking way, which decides exactly
                # and names the lines.
                cursor.execute(
                    f"""
                    SELECT 1 FROM kpi_groups g JOIN {m} x ON x.partner_id = g.partner_id AND x.kpi_id = g.kpi_id
                        AND x.period_start BETWEEN g.month - 6 AND g.last_start
                    WHERE x.id < %(first)s AND (
                        x.period_kind <> 'day'
                        OR ((x.site_id IS NULL) <> (g.with_site = 0) AND EXISTS (
                            SELECT 1 FROM {m} n WHERE n.partner_id = x.partner_id AND n.kpi_id = x.kpi_id
                                AND n.period_start = x.period_start AND n.id >= %(first)s)))
                    LIMIT 1
                    """,  # noqa: S608 - table names from the models
                    {"first": first_id},
                )
                if cursor.fetchone():
                    raise _Fallback("a stored value of another period kind or site level on the new days")
            # Months that had rows before are recomputed from the measurements (set-based, in one
            # statement); new ones come from the grouped pass (they hold only the new rows).
            earlier = (
                f"SELECT g.partner_id, g.kpi_id, g.month FROM kpi_groups g JOIN {r} USING (partner_id, kpi_id, month)"  # noqa: E501, S608
            )
            _recompute_rollup(cursor, earlier)
            cursor.execute(
                f"""
                INSERT INTO {r} (partner_id, kpi_id, month, sum_value, sum_numerator, sum_denominator, sum_weighted,
                                 sum_sample_size, count, last_start)
                SELECT g.partner_id, g.kpi_id, g.month, g.sum_value, g.sum_numerator, g.sum_denominator,
                       g.sum_weighted, g.sum_sample_size, g.count, g.last_start
                FROM kpi_groups g LEFT JOIN {r} x USING (partner_id, kpi_id, month)
                WHERE x.id IS NULL ORDER BY g.partner_id, g.kpi_id, g.month
                """  # noqa: S608 - a rollup row written meanwhile by someone else fails the key: checked path
            )
            cursor.execute("SELECT partner_id, kpi_id, month FROM kpi_groups")
            touched = cursor.fetchall()
            result.months = len(touched)
            rollups.refreshed(touched)
            result.created = result.rows
            cursor.execute("DROP TABLE kpi_groups")
            if alerts:
                from . import alerts as kpi_alerts

                kpi_alerts.after_write(touched)
    except (DatabaseError, psycopg.Error) as exc:  # a key already there, a malformed number, …
        raise _Fallback(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    return result


def _load_checked(path, *, progress, user, alerts) -> LoadResult:
    """Path 2 (see the module docstring): staging table, checks that name the lines, upsert."""
    m = Measurement._meta.db_table
    h = Measurement.history.model._meta.db_table
    k = KPIDefinition._meta.db_table
    today = timezone.localdate().isoformat()
    result = LoadResult()
    with transaction.atomic(), connection.cursor() as raw_cursor:
        cursor = _Timed(raw_cursor, result.timings, uuid.uuid4().hex[:10])
        cursor.execute(
            """
            CREATE UNLOGGED TABLE kpi_stage (
                line integer, partner_id bigint, kpi_id bigint, period_kind text, period_start date,
                site_id bigint, value float8, numerator float8, denominator float8, sample_size float8
            ) WITH (autovacuum_enabled = false)
            """
        )
        copy_sql = (
            "COPY kpi_stage (line, partner_id, kpi_id, period_kind, period_start, site_id, value, numerator, "
            "denominator, sample_size) FROM STDIN WITH (FORMAT csv)"
        )
        from . import rules

        references = rules.References(None)  # before the COPY: the connection is busy until it ends
        host = host_id() or 0
        started = time.perf_counter()
        with open(path, "rb") as handle, cursor.cursor.copy(cursor.work_table_sql(copy_sql)) as copy:
            result.rows, file_problems = _stage(handle, copy.write, references=references, progress=progress)
        result.timings.append(
            ("read and checked the lines, COPY into the staging table", time.perf_counter() - started)
        )
        # Codes are resolved (as rules.References does for the services); the rest is checked set-based.
        cursor.execute(
            f"""
            CREATE UNLOGGED TABLE kpi_rows AS
            SELECT s.line, s.partner_id, d.id AS kpi_id, d.aggregation, d.scale, d.min_value, d.max_value,
                   s.period_kind, {_normalised_start("s")} AS period_start, s.site_id, st.code AS site_code,
                   st.organization_id AS site_owner, d.code AS kpi_code,
                   CASE WHEN d.aggregation = 'ratio' AND s.denominator > 0
                        THEN s.numerator / s.denominator * d.scale ELSE s.value END AS value,
                   s.numerator, s.denominator, s.sample_size
            FROM kpi_stage s
            JOIN {k} d ON d.id = s.kpi_id
            LEFT JOIN partners_site st ON st.id = s.site_id
            """  # noqa: S608 - table names from the models
        )
        cursor.execute("ANALYZE kpi_rows")
        # Lock the rollup months the file touches (first and last day of each value) before the checks
        # against stored values and the upsert, as every writer does (kpis.rollups.lock).
        known = "WHERE kpi_id IS NOT NULL AND period_start IS NOT NULL"
        cursor.execute(
            f"SELECT partner_id, kpi_id, period_start FROM kpi_rows {known} "
            f"UNION SELECT partner_id, kpi_id, {_period_end('kpi_rows')} FROM kpi_rows {known} "
            "AND period_kind IN ('week', 'month')"
        )
        rollups.lock(cursor.fetchall())
        problems: list[tuple[int, str]] = list(file_problems)
        _check(
            cursor,
            problems,
            "SELECT line, site_code FROM kpi_rows WHERE site_id IS NOT NULL "
            f"AND site_owner NOT IN (partner_id, {int(host)})",
            "line {0}: the site {1} belongs to neither the partner nor the host",
        )
        _check(
            cursor,
            problems,
            f"SELECT line, period_start FROM kpi_rows WHERE period_start > DATE '{today}'",
            "line {0}: the period {1} is in the future",
        )
        _check(
            cursor,
            problems,
            "SELECT line, kpi_code FROM kpi_rows WHERE kpi_id IS NOT NULL AND ("
            " (aggregation = 'ratio' AND (numerator IS NULL OR denominator IS NULL OR denominator <= 0))"
            " OR (aggregation = 'weighted_average' AND (value IS NULL OR sample_size IS NULL OR sample_size <= 0))"
            " OR value IS NULL OR numerator < 0 OR denominator < 0 OR sample_size < 0)",
            "line {0}: missing, zero or negative parts for {1}",
        )
        _check(
            cursor,
            problems,
            "SELECT line, value FROM kpi_rows WHERE (min_value IS NOT NULL AND value < min_value) "
            "OR (max_value IS NOT NULL AND value > max_value)",
            "line {0}: the value {1} is outside the KPI's allowed range",
        )
        _check(
            cursor,
            problems,
            "SELECT min(line), count(*) FROM kpi_rows GROUP BY partner_id, kpi_id, period_kind, period_start, site_id "
            "HAVING count(*) > 1",
            "line {0}: the same partner, KPI, period and site appear {1} times",
        )
        _check(
            cursor,
            problems,
            """SELECT r.line, r.kpi_code FROM kpi_rows r LEFT JOIN kpis_partnerkpi a
                ON a.partner_id = r.partner_id AND a.kpi_id = r.kpi_id
                WHERE r.kpi_id IS NOT NULL AND a.id IS NULL""",  # noqa: S608
            "line {0}: the KPI “{1}” is not assigned to the partner",
        )
        # No day counted twice (see services.check_overlaps): within the file, then against the
        # stored values. Only partner KPIs with more than one period kind or site level in the file,
        # or with stored values of another one near the file's periods, are compared row by row.
        rows = (
            "SELECT line, partner_id, kpi_id, period_kind, site_id IS NOT NULL AS per_site, period_start, "
            f"{_period_end('kpi_rows')} AS period_end FROM kpi_rows "
            "WHERE kpi_id IS NOT NULL AND period_kind IN ('day', 'week', 'month')"
        )
        _check(
            cursor,
            problems,
            f"""WITH r AS ({rows}),
                mixed AS (SELECT partner_id, kpi_id FROM r GROUP BY 1, 2
                          HAVING COUNT(DISTINCT period_kind || per_site::text) > 1)
                SELECT b.line, a.line FROM r a JOIN mixed USING (partner_id, kpi_id)
                JOIN r b ON b.partner_id = a.partner_id AND b.kpi_id = a.kpi_id AND b.line > a.line
                    AND (b.period_kind <> a.period_kind OR b.per_site <> a.per_site)
                    AND b.period_start <= a.period_end AND a.period_start <= b.period_end
                ORDER BY b.line""",
            "line {0}: its days are also covered by line {1} (another period kind or site level), "
            "so they would be counted twice",
        )
        _check(
            cursor,
            problems,
            f"""WITH r AS ({rows}),
                levels AS (SELECT partner_id, kpi_id, period_kind, per_site, MIN(period_start) - 31 AS lo,
                                  MAX(period_end) AS hi FROM r GROUP BY 1, 2, 3, 4),
                suspect AS (SELECT DISTINCT v.partner_id, v.kpi_id FROM levels v JOIN {m} x
                            ON x.partner_id = v.partner_id AND x.kpi_id = v.kpi_id
                                AND x.period_start BETWEEN v.lo AND v.hi
                            WHERE x.period_kind <> v.period_kind OR (x.site_id IS NOT NULL) <> v.per_site)
                SELECT r.line, x.period_kind, x.period_start FROM r JOIN suspect USING (partner_id, kpi_id)
                JOIN {m} x ON x.partner_id = r.partner_id AND x.kpi_id = r.kpi_id
                    AND x.period_start BETWEEN r.period_start - 30 AND r.period_end
                WHERE (x.period_kind <> r.period_kind OR (x.site_id IS NOT NULL) <> r.per_site)
                    AND {_period_end("x")} >= r.period_start
                ORDER BY r.line""",  # noqa: S608 - table names from the models
            "line {0}: its days are already covered by a stored value ({1} from {2}) of another period kind "
            "or site level, so they would be counted twice",
        )
        if problems:
            _refuse(problems)
        # Snapshot the earlier value of rows about to change that have no history yet.
        key = (
            "m.partner_id = r.partner_id AND m.kpi_id = r.kpi_id AND m.period_kind = r.period_kind "
            "AND m.period_start = r.period_start AND m.site_id IS NOT DISTINCT FROM r.site_id"
        )
        changed = (
            "(m.value IS DISTINCT FROM r.value OR m.numerator IS DISTINCT FROM r.numerator "
            "OR m.denominator IS DISTINCT FROM r.denominator OR m.sample_size IS DISTINCT FROM r.sample_size)"
        )
        cols = (
            "id, partner_id, kpi_id, period_kind, period_start, site_id, value, numerator, denominator, "
            "sample_size, source, entered_by_id, created_at, updated_at"
        )
        cursor.execute(
            f"CREATE UNLOGGED TABLE kpi_changed AS SELECT m.id FROM {m} m JOIN kpi_rows r ON {key} WHERE {changed}"  # noqa: S608
        )
        cursor.execute("SELECT count(*) FROM kpi_changed")
        result.updated = cursor.fetchone()[0]
        mcols = ", ".join("m." + c.strip() for c in cols.split(","))
        cursor.execute(
            f"""
            INSERT INTO {h} ({cols}, history_date, history_type, history_user_id, history_change_reason)
            SELECT {mcols}, m.updated_at, '+', m.entered_by_id, NULL
            FROM {m} m JOIN kpi_changed c ON c.id = m.id
            WHERE NOT EXISTS (SELECT 1 FROM {h} x WHERE x.id = m.id)
            """  # noqa: S608
        )
        user_id = getattr(user, "pk", None)
        user_sql = "NULL" if user_id is None else str(int(user_id))
        upsert = f"""
            INSERT INTO {m} (partner_id, kpi_id, period_kind, period_start, site_id, value, numerator, denominator,
                             sample_size, source, entered_by_id, created_at, updated_at)
            SELECT partner_id, kpi_id, period_kind, period_start, site_id, value,
                   CASE WHEN aggregation = 'ratio' THEN numerator END,
                   CASE WHEN aggregation = 'ratio' THEN denominator END,
                   CASE WHEN aggregation = 'weighted_average' THEN sample_size END,
                   'import', {user_sql}, now(), now()
            FROM kpi_rows
            ORDER BY partner_id, kpi_id, period_start, period_kind
            ON CONFLICT (partner_id, kpi_id, period_start, period_kind, COALESCE(site_id, 0)) DO UPDATE SET
                value = EXCLUDED.value, numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator,
                sample_size = EXCLUDED.sample_size, source = EXCLUDED.source, entered_by_id = EXCLUDED.entered_by_id,
                updated_at = now()
            WHERE ({m}.value, {m}.numerator, {m}.denominator, {m}.sample_size) IS DISTINCT FROM
                  (EXCLUDED.value, EXCLUDED.numerator, EXCLUDED.denominator, EXCLUDED.sample_size)
        """  # noqa: S608
        # A load larger than the table itself: the plain indexes are cheaper to rebuild in one sorted
        # pass than to maintain row by row (the unique key stays: the upsert needs it).
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [m])
        estimate = max(cursor.fetchone()[0], 0)
        rebuild = result.rows > max(REBUILD_MIN_ROWS, estimate)
        plain_indexes = [
            (
                index.name,
                ", ".join(f"{Measurement._meta.get_field(f).column} {order}" for f, order in index.fields_orders),
            )
            for index in Measurement._meta.indexes
        ]
        if rebuild:
            for name, _columns in plain_indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute(upsert)
        written = cursor.rowcount
        result.created = written - result.updated
        if rebuild:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred foreign-key checks first
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for name, columns in plain_indexes:
                cursor.execute(f"CREATE INDEX {name} ON {m} ({columns})")
        result.unchanged = result.rows - written
        cursor.execute(
            f"""
            INSERT INTO {h} ({cols}, history_date, history_type, history_user_id, history_change_reason)
            SELECT {mcols}, clock_timestamp(), '~', m.entered_by_id, NULL
            FROM {m} m JOIN kpi_changed c ON c.id = m.id
            """  # noqa: S608
        )
        # Recompute the rollup of the months touched, from the measurements themselves.
        cursor.execute(
            """
            CREATE UNLOGGED TABLE kpi_months AS
            SELECT DISTINCT partner_id, kpi_id, date_trunc('month', period_start)::date AS month FROM kpi_rows
            """
        )
        cursor.execute("ANALYZE kpi_months")
        if result.created > 10_000:  # the planner must know the table grew to pick a hash join below
            cursor.execute(f"ANALYZE {m}")
        cursor.execute("SELECT partner_id, kpi_id, month FROM kpi_months")
        touched = cursor.fetchall()
        result.months = len(touched)
        _recompute_rollup(cursor, "SELECT partner_id, kpi_id, month FROM kpi_months")
        rollups.refreshed(touched)
        cursor.execute("DROP TABLE kpi_stage, kpi_rows, kpi_months, kpi_changed")
        if alerts:
            from . import alerts as kpi_alerts

            kpi_alerts.after_write(touched)
    return result


# --- other databases ------------------------------------------------------------------------------


def _load_generic(path, *, progress, user) -> LoadResult:
    """Other databases: the file is read as the import page reads it and goes through the services."""
    from . import importing, services
    from .models import Source

    with open(path, "rb") as handle:
        content = handle.read()
    if progress:
        progress.update(len(content))
    try:
        rows = importing.read_rows(content, str(path))
    except importing.FileError as exc:
        raise LoadError([str(exc)]) from None
    items = importing.build_items(rows, user=user)
    try:
        upserted = services.measurements_upsert(user=user, items=items, source=Source.IMPORT)
    except ValidationError as exc:
        problems = getattr(exc, "problems", [])
        raise LoadError(
            [f"line {items[p['index']].line}: " + "; ".join(p["errors"].values()) for p in problems[:MAX_PROBLEMS]]
            or exc.messages
        ) from None
    return LoadResult(rows=len(rows), created=upserted.created, updated=upserted.updated, unchanged=upserted.unchanged)
