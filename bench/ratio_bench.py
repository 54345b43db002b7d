"""Page cost against the floor (issue 16; not part of the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench_ratio .venv/bin/python bench/ratio_bench.py

The floor is `/api/me/`: a signed-in answer with no work of its own. Each page is requested in
process (Django test Client against the portal's own URLs, production settings: DEBUG off, cached
templates, the real password hashers and middleware), each request right after one of the floor,
`--runs` times; a page's ratio is its median over the floor's median in the same run.

1. A fresh database with the demo data only (`seed_demo`, 4 partners): the agreements list.
2. The database again, fresh: `--partners` partners × 6 KPIs with `--years` years of daily
   measurements written and loaded as `bench/kpis_bench.py` does (200 × 5 years: ~2.2 million rows),
   `seed_demo` on top (204 partners), then every page of the table, as the demo's warehouse
   manager `lager`; the bulk ingestion posts 100 new rows per run with an API token. The API
   measurement list pages by cursor: its page 2 is the `next` link of page 1 (fetched once). The
   scorecard page is the monthly scorecard of the first bench partner (5 years of daily data); the
   two-halves scorecard (issue 18) that of the second, which also has the standard host KPIs
   ("How we do") with their targets and the last months' values, given by `host_half()` (on an
   existing database too: idempotent).

`--quick` measures a small volume (20 partners × 1 year) for a smoke run; `--pages-only` measures
again on the database a full run left, and with it `--only TEXT` only the rows whose label contains
TEXT (e.g. `--only bulk`). `--cpu` also times every page in CPU (the thread and its PostgreSQL
backend, Linux), which a busy machine disturbs less than the wall clock. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import sys
import time
from contextlib import redirect_stdout
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, kpis_bench  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pp_bench_ratio"
FLOOR = "/api/me/"
BULK_ROWS = 100
GOALS = {
    "dashboard": "≤ 5×",
    "dashboard, cold (panel cache off)": "",
    "partner hub": "≤ 5×",
    "API measurement list, page 2": "≤ 4×",
    "scorecard page": "≤ 4×",
    "scorecard page, two halves (host KPIs)": "≤ 4×",
    "portfolio": "≤ 10×",
    "agreements list": "flat, ≤ 4×",
    "bulk ingestion, 100 new rows": "≤ 15×",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=200, help="bench partners besides the demo's 4")
    parser.add_argument("--years", type=int, default=5, help="years of daily measurements")
    parser.add_argument("--quick", action="store_true", help="a small volume for a smoke run (20 partners, 1 year)")
    parser.add_argument("--runs", type=int, default=15, help="requests per page, each after one of the floor")
    parser.add_argument("--csv", default="/tmp/pp_bench_ratio/measurements.csv")
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="measure the pages again on the database a full run left (migrated first; no agreements growth line)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="measure only the rows whose label contains TEXT (repeatable; e.g. --only bulk); with --pages-only",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="also measure each page's CPU time (this process's thread and its PostgreSQL backend; Linux)",
    )
    args = parser.parse_args()
    if args.only and not args.pages_only:
        parser.error("--only measures again on the database a full run left: give --pages-only too")
    if args.quick:
        args.partners, args.years = 20, 1
    return args


def django_setup(url):
    """The production settings (DEBUG off), not the test settings; static files without a manifest."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "partnerportal.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 48)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["MANIFEST_STATIC"] = "0"
    os.environ["EMAIL_URL"] = "dummymail://"
    # The dashboard panels' figures in the cache, as in production with Redis (the in-process cache
    # here); the table also has the dashboard with every panel computed (`cold`).
    os.environ["DASHBOARD_CACHE_SECONDS"] = "300"
    # The bench signs `lager` in with force_login, without the second step of a sign-in; with the
    # requirement on, every page would send them to set up a second factor.
    os.environ["MFA_REQUIRED_FOR_HOST_STAFF"] = "0"
    common.django_setup(url, "/tmp/pp_bench_ratio")
    from partnerportal.db import use_task_statement_timeout

    use_task_statement_timeout()  # the set-up loads and seeds as the management commands do
    Path("/tmp/pp_bench_ratio/staticfiles").mkdir(parents=True, exist_ok=True)  # served by whitenoise
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    logging.getLogger("django.security").setLevel(logging.ERROR)


def seed_demo():
    from django.core.management import call_command

    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        call_command("seed_demo")
    print(f"seed_demo: {time.perf_counter() - started:.1f} s")


class Bench:
    """Requests through the test Client (secure, as behind HTTPS), timed and counted."""

    def __init__(self, runs, cpu=False):
        from django.test import Client

        from partners.models import User

        self.runs = runs
        self.client = Client()
        self.client.force_login(User.objects.get(username="lager"))
        self.floor_samples: list[float] = []
        self.cpu = cpu  # also the CPU time of each request (cpu_ns)
        self.floor_cpu: list[float] = []
        self.cpu_samples: dict[str, list[float]] = {}

    @staticmethod
    def cpu_ns() -> int:
        """Nanoseconds on a CPU so far of this thread and of its PostgreSQL backend (Linux: schedstat).
        On a busy machine the wall clock measures the scheduler as much as the code; this does not."""
        import threading

        from django.db import connection

        connection.ensure_connection()
        backend = connection.connection.info.backend_pid
        total = 0
        for path in (f"/proc/self/task/{threading.get_native_id()}/schedstat", f"/proc/{backend}/schedstat"):
            with open(path) as stat:
                total += int(stat.read().split()[0])
        return total

    def get(self, url):
        def run():
            response = self.client.get(url, secure=True)
            assert response.status_code == 200, (url, response.status_code)

        return run

    def queries(self, fn):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured.captured_queries)

    def measure(self, pages):
        """{label: (median seconds, queries)}; every request follows one of the floor."""
        floor = self.get(FLOOR)
        samples = {label: [] for label in pages}
        counts = {label: self.queries(fn) for label, fn in pages.items()}  # also the warm-up
        floor()
        for _ in range(self.runs):
            for label, fn in pages.items():
                # The CPU clocks are read outside the wall clock's windows (the same requests).
                first = self.cpu_ns() if self.cpu else 0
                started = time.perf_counter()
                floor()
                ended = time.perf_counter()
                second = self.cpu_ns() if self.cpu else 0
                middle = time.perf_counter()
                fn()
                ended_page = time.perf_counter()
                if self.cpu:
                    self.floor_cpu.append((second - first) / 1e9)
                    self.cpu_samples.setdefault(label, []).append((self.cpu_ns() - second) / 1e9)
                self.floor_samples.append(ended - started)
                samples[label].append(ended_page - middle)
        return {label: (statistics.median(samples[label]), counts[label]) for label in pages}

    def floor_median(self):
        return statistics.median(self.floor_samples)


def cold(fn):
    """The same request with the dashboard panels' cache off: every panel computes its figures."""
    from django.conf import settings

    def run():
        kept, settings.DASHBOARD_CACHE_SECONDS = settings.DASHBOARD_CACHE_SECONDS, 0
        try:
            fn()
        finally:
            settings.DASHBOARD_CACHE_SECONDS = kept

    return run


def api_page_two(bench):
    """The measurement list pages by cursor: page 2 is the `next` link of page 1, fetched once."""
    response = bench.client.get("/api/kpis/measurements/", secure=True)
    assert response.status_code == 200, response.status_code
    return response.json()["next"]


def bulk_poster(token, partners, kpis, first_day):
    """A fresh 100 rows per call: every partner KPI today, then the days before the loaded history."""
    from django.test import Client

    from kpis.models import Measurement

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    today = date.today()
    # Today only if no run posted it already (`--pages-only` again): an existing row would be unchanged.
    fresh_today = not Measurement.objects.filter(partner__in=partners, period_start=today).exists()
    days = [today] * fresh_today + [first_day - timedelta(days=n) for n in range(1, 3660)]
    pairs = [(partner.pk, kpi.code) for partner in partners for kpi in kpis]
    rows = ((pid, code, day) for day in days for pid, code in pairs)
    numbers = {
        "delivery-time": {"value": 27.5, "sample_size": 40},
        "error-rate": {"numerator": 6, "denominator": 1200},
        "inventory-turnover": {"numerator": 50_000, "denominator": 2_000_000},
        "customer-satisfaction": {"value": 4.1, "sample_size": 6},
        "pallets-moved": {"value": 1200},
        "dock-doors-open": {"value": 9},
    }

    def run():
        batch = [
            {"partner": str(pid), "kpi": code, "period_start": day.isoformat(), **numbers[code]}
            for pid, code, day in (next(rows) for _ in range(BULK_ROWS))
        ]
        response = client.post(
            "/api/kpis/measurements/bulk/", {"measurements": batch}, content_type="application/json", secure=True
        )
        assert response.status_code == 200, response.content[:500]
        assert response.json()["created"] == BULK_ROWS, response.json()

    return run


def small_phase(url, runs):
    """The demo alone (4 partners): the agreements list against the floor."""
    common.setup_database(url)
    django_setup(url)
    seed_demo()
    bench = Bench(runs)
    result = bench.measure({"agreements list": bench.get("/agreements/")})
    return result["agreements list"], bench.floor_median()


def large_world(args):
    """The bench partners with their measurements, loaded by the portal's loader; the demo on top."""
    from django.db import connection

    from kpis import loader

    _manager, partners, kpis = kpis_bench.create_world(args.partners)
    started = time.perf_counter()
    rows, first_day, _last_day = kpis_bench.write_csv(args.csv, partners, kpis, args.years)
    print(f"{rows:,} rows written in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    loader.load_csv(args.csv, alerts=False)
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    seed_demo()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return rows, partners, kpis, first_day


def existing_world():
    """The bench partners, KPIs and first loaded day of a database that a full run left."""
    from django.db.models import Min

    from kpis.models import KPIDefinition, Measurement, PartnerKPI
    from partners.models import Organization

    partners = list(Organization.objects.filter(name__startswith="Bench partner ").order_by("pk"))
    kpi_ids = PartnerKPI.objects.filter(partner=partners[0]).values_list("kpi_id", flat=True)
    kpis = list(KPIDefinition.objects.filter(pk__in=kpi_ids).order_by("pk"))
    rows = Measurement.objects.count()
    first_day = Measurement.objects.filter(partner__in=partners).aggregate(d=Min("period_start"))["d"]
    return rows, partners, kpis, first_day


def host_half(partner, months=6):
    """The standard host KPIs ("How we do", issue 18) assigned to `partner` with their targets, and the
    partner-submitted ones with values for this month and the `months` before it, written through the
    KPI services as the form does (idempotent: an assignment that exists is kept, a value already
    there counts as unchanged). The computed one (the host's response time) is assigned without values."""
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from kpis.demo import assign_host_kpis
    from kpis.models import PeriodKind, Source
    from kpis.services import MeasurementInput, measurements_upsert
    from partners.models import User

    lager = User.objects.get(username="lager")
    this_month = timezone.localdate().replace(day=1)
    items = []
    for n, kpi in enumerate(assign_host_kpis(partner, by=lager)):
        if not kpi.is_partner_submitted:
            continue
        for ago in range(months, -1, -1):
            lines = 100 + 7 * ago + n
            items.append(
                MeasurementInput(
                    partner=partner,
                    kpi=kpi,
                    period_kind=PeriodKind.MONTH,
                    period_start=this_month - relativedelta(months=ago),
                    numerator=lines - 3 - ago % 4,
                    denominator=lines,
                )
            )
    measurements_upsert(user=lager, items=items, source=Source.FORM)


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…/pp_bench_ratio")
    print(f"Database: {url}")
    if args.pages_only:
        django_setup(url)
        small_agreements = small_queries = small_floor = None
        rows, partners, kpis, first_day = existing_world()
    else:
        (small_agreements, small_queries), small_floor = small_phase(url, args.runs)
        from django.db import connection

        connection.close()
        common.setup_database(url)
        django_setup(url)
        rows, partners, kpis, first_day = large_world(args)

    from rest_framework.authtoken.models import Token

    from partners.models import Organization, User

    n_partners = Organization.objects.exclude(kind="host").count()
    hub = Organization.objects.get(name="DanLog 3PL A/S")
    token = Token.objects.get_or_create(user=User.objects.get(username="lager"))[0].key  # a full run left one
    host_half(partners[1])
    bench = Bench(args.runs, cpu=args.cpu)
    pages = {  # made when measured (the API's page 2 asks for page 1, the bulk rows look at the data)
        "dashboard": lambda: bench.get("/dashboard/"),
        "dashboard, cold (panel cache off)": lambda: cold(bench.get("/dashboard/")),
        "partner hub": lambda: bench.get(f"/partners/{hub.pk}/"),
        "API measurement list, page 2": lambda: bench.get(api_page_two(bench)),
        "scorecard page": lambda: bench.get(f"/kpis/partner/{partners[0].pk}/"),
        "scorecard page, two halves (host KPIs)": lambda: bench.get(f"/kpis/partner/{partners[1].pk}/"),
        "portfolio": lambda: bench.get("/kpis/portfolio/"),
        "agreements list": lambda: bench.get("/agreements/"),
        "bulk ingestion, 100 new rows": lambda: bulk_poster(token, partners, kpis, first_day),
    }
    if args.only:
        pages = {label: make for label, make in pages.items() if any(t.lower() in label.lower() for t in args.only)}
        if not pages:
            sys.exit(f"--only: no row matches {args.only}; the rows: {', '.join(GOALS)}")
    measured = bench.measure({label: make() for label, make in pages.items()})
    floor = bench.floor_median()
    growth = None
    if small_agreements and "agreements list" in measured:
        growth = measured["agreements list"][0] / floor / (small_agreements / small_floor)
    bench_partners = len(partners) if args.pages_only else args.partners
    volume = f"{rows:,} daily measurements, {n_partners} partners ({bench_partners} bench + the demo's), seed_demo"
    demo_floor = f"; {small_floor * 1000:.1f} ms on the demo alone" if small_floor else ""
    lines = [
        f"Ratio benchmark ({date.today().isoformat()}): {volume}; median of {args.runs} requests each, "
        f"each right after one of the floor `{FLOOR}` ({floor * 1000:.1f} ms here{demo_floor}).",
        "",
        "| Page | ms (median) | × floor | goal | queries |",
        "|---|---:|---:|---:|---:|",
        f"| floor: `{FLOOR}` | {floor * 1000:.1f} | 1.0× | | {bench.queries(bench.get(FLOOR))} |",
    ]
    for label, (seconds, queries) in measured.items():
        shown = label
        if label == "agreements list" and growth is not None:
            lines.append(
                f"| agreements list, demo alone (4 partners) | {small_agreements * 1000:.1f} | "
                f"{small_agreements / small_floor:.1f}× | | {small_queries} |"
            )
            shown = f"agreements list, {n_partners} partners (grows {growth:.1f}× from 4)"
        lines.append(f"| {shown} | {seconds * 1000:.1f} | {seconds / floor:.1f}× | {GOALS[label]} | {queries} |")
    if bench.cpu:
        floor_cpu = statistics.median(bench.floor_cpu)
        lines += [
            "",
            f"CPU time (this thread and its PostgreSQL backend; each request after one of the floor, in turn "
            f"with the timed ones; median of {args.runs}): floor {floor_cpu * 1000:.1f} ms.",
            "",
            "| Page | CPU ms (median) | × floor's CPU |",
            "|---|---:|---:|",
        ]
        for label, cpu in bench.cpu_samples.items():
            median = statistics.median(cpu)
            lines.append(f"| {label} | {median * 1000:.1f} | {median / floor_cpu:.1f}× |")
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
