"""The mixed workload of the load benchmark (issue 16); run it through bench/load_bench.py.

Each simulated user plays the four kinds of client of the portal in one weighted mix, so that even
a single user runs the whole mix: a host manager (dashboard, partner hub, portfolio, agreements and
partner lists, a scorecard), a partner manager (their own hub, scorecard and meetings), an API
client (the measurement list, and bulk posts of 100 new rows: tag `bulk`) and a calendar feed.
There is no think time: every user sends its next request as soon as the last one is answered.

bench/load_bench.py writes what the users need (sessions of the demo's host and partner managers,
the API token, feed tokens, the partner KPIs that bulk posts fill) to the JSON file named by
BENCH_LOAD_PARAMS.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from datetime import date, timedelta

from locust import HttpUser, constant, tag, task
from locust.clients import HttpSession

PARAMS = json.loads(open(os.environ["BENCH_LOAD_PARAMS"], encoding="utf-8").read())  # noqa: SIM115
BULK_ROWS = 100
NUMBERS = {
    "delivery-time": {"value": 27.5, "sample_size": 40},
    "error-rate": {"numerator": 6, "denominator": 1200},
    "inventory-turnover": {"numerator": 50_000, "denominator": 2_000_000},
    "customer-satisfaction": {"value": 4.1, "sample_size": 6},
    "pallets-moved": {"value": 1200},
    "dock-doors-open": {"value": 9},
}
# Bulk posts write new rows only: every partner KPI of the bench partners, day by day backwards from
# the day before the earliest stored one (the runner moves that day on after every run).
_PAIRS = PARAMS["bulk_pairs"]
_BULK_BATCHES = itertools.count()


def _next_batch():
    first = next(_BULK_BATCHES) * BULK_ROWS
    before = date.fromisoformat(PARAMS["bulk_before"])
    rows = []
    for n in range(first, first + BULK_ROWS):
        partner, kpi = _PAIRS[n % len(_PAIRS)]
        day = before - timedelta(days=1 + n // len(_PAIRS))
        rows.append({"partner": str(partner), "kpi": kpi, "period_start": day.isoformat(), **NUMBERS[kpi]})
    return rows


class PortalMix(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        # Signed in already: the runner made the sessions (a sign-in is a password hash, not the mix).
        self.client.cookies.set(PARAMS["session_cookie"], random.choice(PARAMS["host_sessions"]))
        self.partner_user = random.choice(PARAMS["partner_sessions"])
        self.partner = HttpSession(base_url=self.host, request_event=self.environment.events.request, user=self)
        self.partner.cookies.set(PARAMS["session_cookie"], self.partner_user["session"])
        self.api_headers = {"Authorization": f"Token {PARAMS['api_token']}"}

    # Host manager
    @task(3)
    def dashboard(self):
        self.client.get("/dashboard/", name="host: /dashboard/")

    @task(3)
    def partner_hub(self):
        self.client.get(f"/partners/{random.choice(PARAMS['hub_partners'])}/", name="host: /partners/[id]/")

    @task(1)
    def portfolio(self):
        self.client.get("/kpis/portfolio/", name="host: /kpis/portfolio/")

    @task(1)
    def agreements(self):
        self.client.get("/agreements/", name="host: /agreements/")

    @task(1)
    def partner_list(self):
        self.client.get("/partners/", name="host: /partners/")

    @task(1)
    def scorecard(self):
        partner = random.choice(PARAMS["hub_partners"])
        self.client.get(f"/kpis/partner/{partner}/?granularity=month", name="host: /kpis/partner/[id]/")

    # Partner manager
    @task(3)
    def own_hub(self):
        self.partner.get(f"/partners/{self.partner_user['organization']}/", name="partner: /partners/[own]/")

    @task(1)
    def own_scorecard(self):
        organization = self.partner_user["organization"]
        self.partner.get(f"/kpis/partner/{organization}/?granularity=month", name="partner: /kpis/partner/[own]/")

    @task(1)
    def meetings(self):
        self.partner.get("/meetings/", name="partner: /meetings/")

    # API client
    @task(2)
    def measurement_list(self):
        """Page 1, then the page after it: the list pages by cursor, so page 2 is page 1's `next` link."""
        first = self.client.get("/api/kpis/measurements/", headers=self.api_headers, name="api: measurements/")
        following = first.json().get("next") if first.status_code == 200 else None
        if following:
            self.client.get(following, headers=self.api_headers, name="api: measurements/?cursor= (page 2)")

    @tag("bulk")
    @task(2)
    def bulk(self):
        with self.client.post(
            "/api/kpis/measurements/bulk/",
            json={"measurements": _next_batch()},
            headers=self.api_headers,
            name="api: measurements/bulk/ (100 new rows)",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            elif response.json().get("created") != BULK_ROWS:
                response.failure(f"not {BULK_ROWS} new rows: {response.text[:200]}")

    # Calendar feed
    @task(1)
    def calendar_feed(self):
        token = random.choice(PARAMS["feed_tokens"])
        self.client.get(f"/meetings/feed/{token}.ics", name="feed: /meetings/feed/[token].ics")
