"""The bulk loader (kpis_load_csv): COPY + set-based checks, idempotent, all or nothing, rollup exact."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kpis import rollups
from kpis.models import Measurement, MonthlyRollup
from tests.kpis.helpers import setup_partner

pytestmark = pytest.mark.django_db

HEADER = "partner,kpi,period_kind,period_start,site,value,numerator,denominator,sample_size\n"


def _file(tmp_path, lines, name="load.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines))
    return str(path)


def _rollup():
    return sorted(
        MonthlyRollup.objects.values_list("partner", "kpi", "month", "sum_numerator", "sum_denominator", "count")
    )


def test_load_is_idempotent_keeps_rollup_exact_and_history(world, tmp_path):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    lines = [
        f"{p},error-rate,day,2025-03-03,,,1,100,",
        f"{p},error-rate,day,2025-03-04,ALFA1,,30,1000,",
        f"{p},delivery-time,day,2025-03-04,,20,,,10",
        f"{p},delivery-time,day,2025-04-01,,40,,,30",
    ]
    call_command("kpis_load_csv", _file(tmp_path, lines), "--quiet-progress")
    assert Measurement.objects.count() == 4
    assert Measurement.objects.get(period_start=date(2025, 3, 3)).value == 1.0
    loaded = _rollup()
    rollups.rebuild_all()
    assert _rollup() == loaded
    call_command("kpis_load_csv", _file(tmp_path, lines), "--quiet-progress")  # again: nothing changes
    assert Measurement.objects.count() == 4
    lines[0] = f"{p},error-rate,day,2025-03-03,,,2,100,"
    call_command("kpis_load_csv", _file(tmp_path, lines), "--quiet-progress")
    corrected = Measurement.objects.get(period_start=date(2025, 3, 3))
    assert corrected.value == 2.0
    assert [h.numerator for h in corrected.history.order_by("history_date")] == [1, 2]
    assert MonthlyRollup.objects.get(kpi__code="error-rate", month=date(2025, 3, 1)).sum_numerator == 32


@pytest.mark.parametrize(
    "line,message",
    [
        ("{p},nope,day,2025-03-03,,,1,100,", "Unknown KPI code"),
        ("99999,error-rate,day,2025-03-03,,,1,100,", "Unknown partner"),
        ("{p},error-rate,day,2025-03-03,XX9,,1,100,", "Unknown site code"),
        ("{p},error-rate,day,2025-03-03,,,1,0,", "zero or negative"),
        ("{p},error-rate,day,2025-03-03,,,200,100,", "outside the KPI's allowed range"),
        ("{p},error-rate,day,2999-03-03,,,1,100,", "in the future"),
        ("{p},error-rate,day,2025-03-01,,,1,100,", "appear 2 times"),
        ("{p},error-rate,day,not-a-date,,,1,100,", "is not a date"),
    ],
)
def test_load_refuses_bad_rows_and_loads_nothing(world, tmp_path, line, message):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY loader's messages")
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    lines = [f"{p},error-rate,day,2025-03-01,,,1,100,", line.format(p=p)]
    with pytest.raises(CommandError) as excinfo:
        call_command("kpis_load_csv", _file(tmp_path, lines), "--quiet-progress")
    assert message in str(excinfo.value)
    assert not Measurement.objects.exists()
    assert not MonthlyRollup.objects.exists()


def test_large_load_rebuilds_the_indexes(world, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from kpis import loader

    monkeypatch.setattr(loader, "REBUILD_MIN_ROWS", 0)
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    lines = [f"{p},error-rate,day,2025-03-{d:02d},,,{d},100," for d in range(1, 29)]
    call_command("kpis_load_csv", _file(tmp_path, lines), "--quiet-progress")
    assert Measurement.objects.count() == 28
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'kpis_measurement'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"kpis_unique_measurement", "kpis_meas_start", "kpis_measurement_pkey"} <= names
    with connection.cursor() as cursor:  # the foreign key of the case links is back, and checked
        cursor.execute(
            "SELECT conrelid::regclass::text, convalidated FROM pg_constraint "
            "WHERE confrelid = 'kpis_measurement'::regclass AND contype = 'f'"
        )
        assert cursor.fetchall() == [("relations_case_measurements", True)]
    assert MonthlyRollup.objects.get(kpi__code="error-rate").sum_numerator == sum(range(1, 29))
    # The loader hands out the ids itself and moves the sequence past them: the next form entry fits.
    loaded_ids = set(Measurement.objects.values_list("pk", flat=True))
    extra = Measurement.objects.create(
        partner=world.partner_a, kpi=Measurement.objects.first().kpi, period_start=date(2025, 4, 1), value=1
    )
    assert extra.pk > max(loaded_ids)
    # The rebuilt unique key still refuses a second row for the same key (with or without a site).
    with pytest.raises(CommandError, match="appear 2 times"):
        call_command("kpis_load_csv", _file(tmp_path, [lines[0], lines[0]], "again.csv"), "--quiet-progress")


def _timings(path, **kwargs):
    from kpis import loader

    return [label for label, _seconds in loader.load_csv(path, alerts=False, **kwargs).timings]


def test_new_rows_take_the_copy_path_and_corrections_the_checking_path(world, tmp_path):
    """New rows go in with one COPY; a file that corrects rows falls back to the checking upsert."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    first = [f"{p},error-rate,day,2025-03-{d:02d},,,{d},100," for d in range(1, 11)]
    labels = _timings(_file(tmp_path, first))
    assert any(label.startswith("checked lines, COPY") for label in labels)
    assert not any("not taken" in label for label in labels)
    # The next days of the same month: new rows again; the month had rows, so it is recomputed.
    more = [f"{p},error-rate,day,2025-03-{d:02d},ALFA1,,{d},100," for d in range(11, 16)]
    more += [f"{p},delivery-time,day,2025-03-{d:02d},,{d},,,2" for d in range(1, 4)]
    labels = _timings(_file(tmp_path, more, "more.csv"))
    assert not any("not taken" in label for label in labels)
    march = MonthlyRollup.objects.get(kpi__code="error-rate", month=date(2025, 3, 1))
    assert (march.count, march.sum_numerator, march.sum_denominator) == (15, sum(range(1, 16)), 1500)
    assert Measurement.objects.get(kpi__code="error-rate", period_start=date(2025, 3, 12)).site.code == "ALFA1"
    delivery = MonthlyRollup.objects.get(kpi__code="delivery-time", month=date(2025, 3, 1))
    assert (delivery.sum_weighted, delivery.sum_sample_size) == (2 * (1 + 2 + 3), 6)
    loaded = _rollup()
    rollups.rebuild_all()
    assert _rollup() == loaded
    # A correction of a row already there: the checking path, which keeps the history.
    labels = _timings(_file(tmp_path, [f"{p},error-rate,day,2025-03-01,,,7,100,"], "fix.csv"))
    assert any("not taken" in label for label in labels)
    fixed = Measurement.objects.get(kpi__code="error-rate", period_start=date(2025, 3, 1), site=None)
    assert fixed.numerator == 7
    assert [h.numerator for h in fixed.history.order_by("history_date")] == [1, 7]
    assert (
        MonthlyRollup.objects.get(kpi__code="error-rate", month=date(2025, 3, 1)).sum_numerator == sum(range(1, 16)) + 6
    )


def test_ratio_values_match_between_the_two_paths(world, tmp_path):
    """The COPY path computes ratio values in Python; the checking path in SQL: the same numbers."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    lines = [f"{p},error-rate,day,2025-03-{d:02d},,,{d * 7},{997 + d}," for d in range(1, 20)]
    _timings(_file(tmp_path, lines))
    fast = dict(Measurement.objects.values_list("period_start", "value"))
    Measurement.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    lines.append(lines[0])  # a duplicate sends the file down the checking path, which refuses it …
    with pytest.raises(Exception, match="appear 2 times"):
        _timings(_file(tmp_path, lines, "dup.csv"))
    lines.pop()
    from kpis import loader  # … so run that path directly

    loader._load_checked(_file(tmp_path, lines, "checked.csv"), progress=None, user=None, alerts=False)
    assert dict(Measurement.objects.values_list("period_start", "value")) == fast


@pytest.mark.parametrize(
    ("content", "path_taken"),
    [
        ("{p},error-rate,day,2025-03-01,,,1,100,\n{p},error-rate,day,2025-03-02,,,2,100,", "copy"),  # no final newline
        ("{p},error-rate,day,2025-03-01,,,1,100,\r\n{p},error-rate,day,2025-03-02,,,2,100,\r\n", "checked"),
        ('{p},"error-rate",day,2025-03-01,,,1,100,\n{p},error-rate,day,2025-03-02,,,2,100,\n', "checked"),
    ],
    ids=["no-final-newline", "crlf", "quoted"],
)
def test_unusual_but_valid_files_load_the_same(world, tmp_path, content, path_taken):
    """Line endings and quoting decide the path, never the result."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    setup_partner(world.partner_a)
    path = tmp_path / "odd.csv"
    path.write_bytes((HEADER + content.format(p=world.partner_a.pk)).encode())
    labels = _timings(str(path))
    assert any("not taken" in label for label in labels) == (path_taken == "checked")
    assert sorted(Measurement.objects.values_list("period_start", "numerator", "denominator")) == [
        (date(2025, 3, 1), 1, 100),
        (date(2025, 3, 2), 2, 100),
    ]
    assert MonthlyRollup.objects.get(kpi__code="error-rate").count == 2


def _refused(tmp_path, lines):
    with pytest.raises(CommandError) as excinfo:
        call_command("kpis_load_csv", _file(tmp_path, lines), "--quiet-progress")
    return str(excinfo.value)


def test_load_refuses_days_counted_twice_in_the_file_and_against_stored_values(world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY loader's messages")
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    # In one file: a month and a day of it; a week (given by its Wednesday) over a day; a total
    # beside a value per site on the same day.
    er = f"{p},error-rate"
    message = _refused(tmp_path, [f"{er},month,2025-03-01,,,5,500,", f"{er},day,2025-03-09,,,1,100,"])
    assert "line 3: its days are also covered by line 2" in message
    message = _refused(tmp_path, [f"{er},week,2025-03-12,,,5,500,", f"{er},day,2025-03-10,,,1,100,"])
    assert "line 3: its days are also covered by line 2" in message
    message = _refused(tmp_path, [f"{er},day,2025-03-10,ALFA1,,5,500,", f"{er},day,2025-03-10,,,1,100,"])
    assert "line 3: its days are also covered by line 2" in message
    assert not Measurement.objects.exists()
    # Against stored values: new days (the fast path) under a stored month, a stored day under a
    # new week, a new total beside a stored value per site.
    call_command(
        "kpis_load_csv",
        _file(tmp_path, [f"{p},error-rate,month,2025-01-01,,,5,500,", f"{p},error-rate,day,2025-02-10,ALFA1,,1,100,"]),
        "--quiet-progress",
    )
    before = _rollup()
    message = _refused(tmp_path, [f"{p},error-rate,day,2025-01-{d:02d},,,1,100," for d in range(20, 32)])
    assert "line 2: its days are already covered by a stored value (month from 2025-01-01)" in message
    message = _refused(tmp_path, [f"{p},error-rate,week,2025-02-12,ALFA1,,1,100,"])
    assert "line 2: its days are already covered by a stored value (day from 2025-02-10)" in message
    message = _refused(tmp_path, [f"{p},error-rate,day,2025-02-10,,,1,100,"])
    assert "stored value (day from 2025-02-10)" in message
    assert Measurement.objects.count() == 2 and _rollup() == before
    # Not overlapping: days after the month, per site on other days, a week stored at its Monday.
    call_command(
        "kpis_load_csv",
        _file(tmp_path, [f"{p},error-rate,day,2025-02-01,,,1,100,", f"{p},delivery-time,week,2025-02-12,,20,,,5"]),
        "--quiet-progress",
    )
    assert Measurement.objects.get(kpi__code="delivery-time").period_start == date(2025, 2, 10)
    assert Measurement.objects.count() == 4


def test_a_header_only_file_is_refused(world, tmp_path):
    for content in (HEADER, HEADER + "\n\n"):
        path = tmp_path / "empty.csv"
        path.write_text(content)
        with pytest.raises(CommandError, match="no measurements"):
            call_command("kpis_load_csv", str(path), "--quiet-progress")


def test_messages_name_file_lines_after_blank_lines_and_quoted_line_breaks(world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY loader's messages")
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    content = (
        HEADER  # line 1
        + "\n"  # line 2
        + f"{p},error-rate,day,2025-03-01,,,1,100,\n"  # line 3
        + f'{p},"error-\nrate",day,2025-03-02,,,1,100,\n'  # lines 4-5
        + "\n"  # line 6
        + f"{p},delivery-time,day,2025-03-03,,12,,,40\n"  # line 7: fine
        + f"{p},delivery-time,day,2025-03-04,,12,5,,40,7\n"  # line 8: one field too many
        + f"{p},error-rate,day,2025-03-05,,,1,0,\n"  # line 9: denominator zero
        + f"{p},error-rate,day,2025-03-01,,,1,100,\n"  # line 10: the same as line 3
    )
    path = tmp_path / "odd.csv"
    path.write_text(content)
    with pytest.raises(CommandError) as excinfo:
        call_command("kpis_load_csv", str(path), "--quiet-progress")
    message = str(excinfo.value)
    assert "line 4: Unknown KPI code" in message
    assert "line 8: it has 10 fields, but the header has 9" in message
    assert "line 9: missing, zero or negative parts" in message
    assert "line 3: the same partner, KPI, period and site appear 2 times" in message
    assert "line 7" not in message
    assert "kpi_stage" not in message and "kpi_rows" not in message and "COPY" not in message
    assert not Measurement.objects.exists()


def test_load_refuses_a_site_of_another_partner_on_both_paths(world, tmp_path):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    for lines in (
        [f"{p},error-rate,day,2025-03-01,BETA1,,1,100,"],  # the COPY path's file
        [f"{p},error-rate,week,2025-03-03,BETA1,,1,100,"],  # the checking path's file
    ):
        with pytest.raises(CommandError, match="BETA1"):
            call_command("kpis_load_csv", _file(tmp_path, lines), "--quiet-progress")
    call_command("kpis_load_csv", _file(tmp_path, [f"{p},error-rate,day,2025-03-01,AAR1,,1,100,"]), "--quiet-progress")
    assert Measurement.objects.get().site == world.host_site


@pytest.mark.django_db
def test_the_loader_is_for_host_staff_only(world, tmp_path):
    """The loader does not apply a partner user's narrower rules, so a partner user may not load."""
    path = tmp_path / "m.csv"
    path.write_text("partner,kpi,period_kind,period_start,site,value,numerator,denominator,sample_size\n")
    with pytest.raises(CommandError, match="not host staff"):
        call_command("kpis_load_csv", str(path), user=world.a_manager.username, quiet_progress=True)


def _partner_start_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes "
            "WHERE tablename = 'kpis_measurement' AND indexname = 'kpis_meas_partner_start'"
        )
        return [row[0] for row in cursor.fetchall()]


def _analyze():
    """The loaders compare a load with the table's row estimate, which index builds of earlier tests
    leave behind (outside their rolled-back transactions): count the rows this test sees."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kpis_measurement")


def test_loads_that_rebuild_the_indexes_keep_the_partner_date_index(world, tmp_path, monkeypatch):
    """The (partner, period_start DESC) index is dropped and rebuilt with the others, on both paths."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from kpis import loader

    monkeypatch.setattr(loader, "REBUILD_MIN_ROWS", 0)
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    expected = [
        "CREATE INDEX kpis_meas_partner_start ON public.kpis_measurement USING btree (partner_id, period_start DESC)"
    ]
    assert _partner_start_index() == expected
    _analyze()
    labels = _timings(_file(tmp_path, [f"{p},error-rate,day,2025-03-{d:02d},,,{d},100," for d in range(1, 11)]))
    assert not any("not taken" in label for label in labels)  # the COPY path
    assert any(label.startswith("DROP INDEX") for label in labels)
    assert _partner_start_index() == expected
    # More rows than the table holds, one a correction, straight down the checking path: it rebuilds too.
    lines = [f"{p},error-rate,day,2025-03-01,,,7,100,"]
    lines += [f"{p},error-rate,day,2025-03-{d:02d},,,{d},100," for d in range(11, 29)]
    _analyze()
    result = loader._load_checked(_file(tmp_path, lines, "fix.csv"), progress=None, user=None, alerts=False)
    assert any(label.startswith("DROP INDEX IF EXISTS kpis_meas_partner_start") for label, _s in result.timings)
    assert Measurement.objects.count() == 28
    assert _partner_start_index() == expected
