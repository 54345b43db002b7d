"""Load benchmark (issue 16; not part of the test suite): the mixed workload of bench/locustfile.py
against gunicorn with 3 workers and the production settings on PostgreSQL.

    .venv/bin/python bench/ratio_bench.py    # once: leaves the 2.2 M-row database with the demo on top
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench_ratio REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/load_bench.py

For each number of users (`--users`, default 1, 8 and 32) locust runs headless for `--time` seconds,
with every user starting at once: first the whole mix, then the same mix without the bulk posts
(`--exclude-tags bulk`). Prints, side by side, requests per second and p50/p95/p99 per endpoint,
and the errors, which must be 0 (the exit status is 1 otherwise). Bulk posts write new rows only
(on the days before the earliest stored one), so the database grows by them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pp_bench_ratio"
WORK = Path("/tmp/pp_bench_load")
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-secret-key-" + "x" * 48,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "HTTPS": "0",  # no TLS proxy in front here: plain HTTP, cookies without the Secure flag
    "MANIFEST_STATIC": "0",
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
    # The simulated people's sessions are made with force_login, not through the sign-in with its second
    # step; a host manager would otherwise be sent to set up a second factor on every page.
    "MFA_REQUIRED_FOR_HOST_STAFF": "0",
    "VAR_DIR": str(WORK / "var"),
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="1,8,32", help="comma-separated numbers of concurrent users")
    parser.add_argument("--time", type=int, default=60, help="seconds per run")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    return parser.parse_args()


def prepare(url):
    """What the simulated users need, from the benchmark database: logins, tokens, partners, KPIs."""
    for name, value in SERVER_ENV.items():
        os.environ[name] = value
    common.django_setup(url, SERVER_ENV["VAR_DIR"])
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from kpis.models import PartnerKPI
    from meetings.models import CalendarFeed
    from partners.models import Organization, User

    if not User.objects.filter(username="lager").exists():
        sys.exit("No demo data in this database: run bench/ratio_bench.py on it first.")

    def session(user):
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    hosts = list(User.objects.filter(username__in=["lager", "drift"]))
    partner_managers = list(User.objects.filter(username__in=["danlog", "jysk", "emballage", "clean"]))
    feeds = [CalendarFeed.objects.get_or_create(user=user)[0].token for user in hosts + partner_managers[:2]]
    demo_partners = list(Organization.objects.partners().exclude(name__startswith="Bench partner").values_list("pk"))
    bench_partners = list(Organization.objects.filter(name__startswith="Bench partner").values_list("pk")[:4])
    pairs = list(
        PartnerKPI.objects.filter(partner__name__startswith="Bench partner")
        .order_by("partner_id", "kpi_id")
        .values_list("partner_id", "kpi__code")
    )
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "host_sessions": [session(user) for user in hosts],
        "partner_sessions": [{"session": session(u), "organization": u.organization_id} for u in partner_managers],
        "api_token": Token.objects.get_or_create(user=User.objects.get(username="lager"))[0].key,
        "feed_tokens": feeds,
        "hub_partners": [pk for (pk,) in demo_partners + bench_partners],
        "bulk_pairs": pairs,
    }


def earliest_day():
    from kpis.models import Measurement

    return Measurement.objects.order_by("period_start").values_list("period_start", flat=True).first() or date.today()


def start_server(url, redis_url, args):
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": url}
    if redis_url:  # cache and Celery broker as in production
        env["REDIS_URL"] = redis_url
    Path(SERVER_ENV["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    (Path(SERVER_ENV["VAR_DIR"]) / "staticfiles").mkdir(exist_ok=True)
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "partnerportal.wsgi:application",
        f"--bind=127.0.0.1:{args.port}",
        f"--workers={args.workers}",
        "--timeout=60",
    ]
    log = open(WORK / "gunicorn.log", "w", encoding="utf-8")  # noqa: SIM115 - open while the server runs
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn did not answer /healthz")


def run_locust(args, users, bulk, params_path):
    prefix = WORK / f"u{users}_{'mix' if bulk else 'nobulk'}"
    command = [
        str(ROOT / ".venv/bin/locust"),
        "-f",
        str(ROOT / "bench/locustfile.py"),
        "--headless",
        "--only-summary",
        f"--users={users}",
        f"--spawn-rate={users}",
        f"--run-time={args.time}s",
        f"--host=http://127.0.0.1:{args.port}",
        f"--csv={prefix}",
        "--loglevel=WARNING",
        "--stop-timeout=30",
        "--exit-code-on-error=0",
    ]
    if not bulk:
        command.append("--exclude-tags=bulk")
    env = {**os.environ, "BENCH_LOAD_PARAMS": str(params_path)}
    with open(f"{prefix}.log", "w", encoding="utf-8") as log:
        finished = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if finished.returncode:
        sys.exit(f"locust failed (exit status {finished.returncode}): see {prefix}.log")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return {
            (row["Name"] if row["Type"] in ("GET", "") else f"{row['Type']} {row['Name']}"): row
            for row in csv.DictReader(handle)
        }


def figures(row):
    if row is None:
        return ["", "", "", "", ""]
    return [
        f"{float(row['Requests/s']):.1f}",
        row["50%"],
        row["95%"],
        row["99%"],
        row["Failure Count"],
    ]


def report(results, args):
    lines = [
        f"Load benchmark ({date.today().isoformat()}): gunicorn with {args.workers} workers, production settings, "
        f"PostgreSQL; {args.time} s per run, no think time. Times in ms.",
        "",
        "| users | mix: req/s | p50 | p95 | p99 | errors | without bulk posts: req/s | p50 | p95 | p99 | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for users, (mix, nobulk) in results.items():
        row = [str(users), *figures(mix.get("Aggregated")), *figures(nobulk.get("Aggregated"))]
        lines.append("| " + " | ".join(row) + " |")
    for users, (mix, nobulk) in results.items():
        lines += [
            "",
            f"{users} user{'s' if users > 1 else ''}, per endpoint:",
            "",
            "| endpoint | req/s | p50 | p95 | p99 | errors | no bulk: req/s | p50 | p95 | p99 | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in sorted(name for name in mix if name != "Aggregated"):
            lines.append("| " + " | ".join([name, *figures(mix[name]), *figures(nobulk.get(name))]) + " |")
    return "\n".join(lines)


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…/pp_bench_ratio")
    redis_url = os.environ.get("REDIS_URL", "")
    WORK.mkdir(parents=True, exist_ok=True)
    params = prepare(url)
    params_path = WORK / "params.json"
    server = start_server(url, redis_url, args)
    results = {}
    try:
        for users in (int(n) for n in args.users.split(",")):
            runs = []
            for bulk in (True, False):
                params["bulk_before"] = earliest_day().isoformat()
                params_path.write_text(json.dumps(params), encoding="utf-8")
                print(f"{users} users, {'mix' if bulk else 'mix without bulk posts'}: {args.time} s …", flush=True)
                runs.append(run_locust(args, users, bulk, params_path))
            results[users] = tuple(runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    print(report(results, args))
    errors = sum(int(run["Aggregated"]["Failure Count"]) for pair in results.values() for run in pair)
    if errors:
        sys.exit(f"{errors} errors")


if __name__ == "__main__":
    main()
