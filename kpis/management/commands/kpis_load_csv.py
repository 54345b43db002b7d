"""Load a (large) CSV of measurements: `manage.py kpis_load_csv measurements.csv [--user admin]`.

Columns: partner,kpi,period_kind,period_start,site,value,numerator,denominator,sample_size (the
export format; partner by id, KPI and site by code, dot decimals). All or nothing; keeps the
monthly rollup exact and checks the months touched for breaches and successes.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kpis import loader
from kpis.models import Measurement
from partnerportal import policy


class Command(BaseCommand):
    help = "Bulk-load KPI measurements from a CSV file (COPY on PostgreSQL), with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--user", help="user name recorded as 'entered by'")
        parser.add_argument("--no-alerts", action="store_true", help="skip breach/success checks (e.g. a history load)")
        parser.add_argument("--quiet-progress", action="store_true")

    def handle(self, path, user=None, no_alerts=False, quiet_progress=False, **options):
        if not os.path.exists(path):
            raise CommandError(f"No such file: {path}")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No such user: {user}")
            # The loader is the operator's tool for whole histories; it does not apply a partner user's
            # narrower rules (own organisation, shared KPIs, partner input), so only host staff load.
            if not policy.allows(account, "load", Measurement):
                raise CommandError(
                    f"{user} is not host staff; partner users submit through the import page or the API."
                )
        with tqdm(
            total=os.path.getsize(path), unit="B", unit_scale=True, desc="Loading", disable=quiet_progress
        ) as bar:
            try:
                result = loader.load_csv(path, progress=bar, user=account, alerts=not no_alerts)
            except loader.LoadError as exc:
                raise CommandError("Nothing was loaded:\n  " + "\n  ".join(exc.problems)) from None
        if options.get("verbosity", 1) >= 2:
            for label, seconds in result.timings:
                self.stdout.write(f"{seconds:8.2f} s  {label}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged; {result.months} partner-KPI months recomputed."
            )
        )
