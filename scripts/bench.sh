#!/usr/bin/env bash
# Benchmarks (not part of the test suite); they need PostgreSQL and create their own databases.
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
echo "== KPI load, portfolio and scorecard (bench/kpis_bench.py)"
DATABASE_URL="$PG/pp_bench" .venv/bin/python bench/kpis_bench.py "$@"
echo "== Reminder dispatch (bench/reminders_bench.py)"
DATABASE_URL="$PG/pp_bench_rem" .venv/bin/python bench/reminders_bench.py
echo "== Pages against the floor /api/me/ (bench/ratio_bench.py)"
DATABASE_URL="$PG/pp_bench_ratio" .venv/bin/python bench/ratio_bench.py
echo "== Under load: gunicorn, 1/8/32 users (bench/load_bench.py, on the database of the one before)"
DATABASE_URL="$PG/pp_bench_ratio" .venv/bin/python bench/load_bench.py
