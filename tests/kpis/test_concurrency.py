"""Concurrent writers of the same partner-month keep the monthly rollup exact (issue #12).

Real concurrent transactions on PostgreSQL: threads post to the real bulk API endpoint (and run the
real `kpis_load_csv` command) at the same moment, each on its own database connection. Afterwards
every MonthlyRollup row must equal a recompute from the raw measurements, and no writer may have
failed (a deadlock or a unique-key violation would surface as an exception or an HTTP 500).
"""

import json
import threading
from collections import defaultdict
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kpis import rollups
from kpis.models import Measurement, MonthlyRollup
from tests.kpis.helpers import setup_partner

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent transactions need PostgreSQL (SQLite serialises writes)",
)
pytestmark = [needs_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 6
TRIALS = 3
DAYS_EACH = 3
HEADER = "partner,kpi,period_kind,period_start,site,value,numerator,denominator,sample_size\n"


def _run_at_once(targets):
    """Start all targets at the same moment; each thread has its own connection. Returns the errors."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def wrap(target):
        try:
            barrier.wait(timeout=20)
            target()
        except Exception as exc:  # noqa: BLE001 - reported by the tests
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return errors


def _api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _items(partner_id, month, days, *, bump=0):
    """Error rate (ratio) and delivery time (weighted average) for the given days of a month."""
    items = []
    for day in days:
        start = month.replace(day=day).isoformat()
        items.append(
            {
                "partner": partner_id,
                "kpi": "error-rate",
                "period_start": start,
                "numerator": day + bump,
                "denominator": 100,
            }
        )
        items.append(
            {"partner": partner_id, "kpi": "delivery-time", "period_start": start, "value": 20 + day, "sample_size": 10}
        )
    return items


def _poster(client, payloads, failures):
    def post():
        for items in payloads:
            response = client.post(
                reverse("api:kpi-measurement-bulk"),
                data=json.dumps({"measurements": items}),
                content_type="application/json",
            )
            if response.status_code != 200:
                failures.append((response.status_code, response.content[:300]))

    return post


def _recomputed():
    """The rollup as the raw measurements give it, computed here in Python (independent of kpis.rollups)."""
    sums = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0, 0, None])
    for m in Measurement.objects.all():
        row = sums[(m.partner_id, m.kpi_id, m.period_start.replace(day=1))]
        row[0] += m.value
        row[1] += m.numerator or 0.0
        row[2] += m.denominator or 0.0
        row[3] += m.value * (m.sample_size or 0.0)
        row[4] += m.sample_size or 0.0
        row[5] += 1
        row[6] = max(row[6] or m.period_start, m.period_start)
    return {key: tuple(v) for key, v in sums.items()}


def _stored():
    fields = ("sum_value", "sum_numerator", "sum_denominator", "sum_weighted", "sum_sample_size", "count", "last_start")
    return {
        (r.partner_id, r.kpi_id, r.month): tuple(getattr(r, f) for f in fields) for r in MonthlyRollup.objects.all()
    }


def _assert_rollup_exact():
    expected, stored = _recomputed(), _stored()
    assert set(stored) == set(expected), (sorted(stored), sorted(expected))
    for key, want in expected.items():
        got = stored[key]
        assert got[5:] == want[5:], (key, "count/last day", got, want)
        assert got[:5] == pytest.approx(want[:5], rel=1e-9), (key, got, want)


def test_six_api_writers_on_one_partner_month_lose_no_update(world):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    clients = [_api(world.manager) for _ in range(WRITERS)]
    for trial in range(TRIALS):
        month = date(2025, 3 + trial, 1)
        failures = []
        targets = []
        for w, client in enumerate(clients):
            days = range(w * DAYS_EACH + 1, (w + 1) * DAYS_EACH + 1)
            items = _items(p, month, days)
            if w % 2:  # the other KPI first: the writers' keys come in different orders
                items.reverse()
            targets.append(_poster(client, [items], failures))
        errors = _run_at_once(targets)
        assert not errors, errors
        assert not failures, failures
        assert Measurement.objects.filter(period_start__gte=month).count() == 2 * WRITERS * DAYS_EACH
        _assert_rollup_exact()
        rollup = MonthlyRollup.objects.get(partner=p, kpi__code="error-rate", month=month)
        assert rollup.count == WRITERS * DAYS_EACH, f"trial {trial}: {rollup.count} of {WRITERS * DAYS_EACH} days"


@pytest.mark.parametrize("max_key_locks", [None, 2], ids=["key-locks", "key-and-table-locks"])
def test_corrections_and_new_days_of_two_months_at_once_stay_exact(world, monkeypatch, max_key_locks):
    """Writers that each touch two months (in opposite orders) and correct each other's days.

    With a limit of 2 keys, a writer's first call (one month, two KPIs) takes advisory locks and its
    second (two months) the measurements' table lock: both kinds of writer at once.
    """
    if max_key_locks is not None:
        monkeypatch.setattr(rollups, "MAX_KEY_LOCKS", max_key_locks)
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    clients = [_api(world.manager) for _ in range(WRITERS)]
    march, april = date(2025, 3, 1), date(2025, 4, 1)
    for trial in range(TRIALS):
        failures = []
        targets = []
        for w, client in enumerate(clients):
            days = [1 + (w + trial) % 3, 10 + w, 20 + w]  # two writers each write days 1, 2 and 3
            first, second = (march, april) if w % 2 else (april, march)
            items = _items(p, first, days, bump=w + trial) + _items(p, second, days, bump=w)
            targets.append(_poster(client, [items[: len(items) // 2], items], failures))
        errors = _run_at_once(targets)
        assert not errors, errors
        assert not failures, failures
        _assert_rollup_exact()


@pytest.mark.parametrize("with_week", [True, False], ids=["checking-path", "copy-path"])
def test_loader_and_api_writing_the_same_month_at_once_stay_exact(world, tmp_path, with_week):
    """The loader and API writers on the same partner-month.

    With a week in the file the loader takes its checking path; with days only it starts on the COPY
    path (new rows, the measurements' table locked), and falls back to the checking path when an
    API writer committed one of its days first.
    """
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    clients = [_api(world.manager) for _ in range(WRITERS - 1)]
    for trial in range(TRIALS):
        month = date(2025, 5 + trial, 1)
        lines = []
        for day in range(1, 29):  # the loader writes every day of the error rate …
            lines.append(f"{p},error-rate,day,{month.replace(day=day).isoformat()},,,{day},1000,")
        if with_week:
            lines.append(f"{p},delivery-time,week,{month.replace(day=28).isoformat()},,30,,,5")  # … and a week
        path = tmp_path / f"load-{trial}.csv"
        path.write_text(HEADER + "\n".join(lines) + "\n")
        failures = []

        def load(path=path):
            call_command("kpis_load_csv", str(path), "--quiet-progress")

        targets = [load]
        for w, client in enumerate(clients):
            # … while the API writers correct some of its days and add delivery times, several times.
            payloads = [_items(p, month, [w * 4 + 1 + i, w * 4 + 2 + i], bump=w + i) for i in range(3)]
            payloads = [[i for i in items if i["kpi"] == "error-rate" or w % 2] for items in payloads]
            targets.append(_poster(client, payloads, failures))
        errors = _run_at_once(targets)
        assert not errors, errors
        assert not failures, failures
        assert Measurement.objects.filter(kpi__code="error-rate", period_start__gte=month).count() == 28
        _assert_rollup_exact()
