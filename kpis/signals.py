"""Signals the kpis app sends for the apps above it (they connect receivers; kpis imports none of them)."""

from django.dispatch import Signal

# Sent by kpis.rollups.refresh, which every measurement write path calls (the form, the import, the
# API's single and bulk writes, deletions), and by the bulk loader, which recomputes the rollup with
# its own statements (kpis.rollups.refreshed), once per call, inside the writer's transaction, after the
# monthly rollup of the touched months was recomputed. Argument: `keys`, the set of
# (partner_id, kpi_id, month start) whose figures may have changed. Receivers must be cheap (they run
# in the writer's transaction): note the partners and do the work on commit.
rollup_refreshed = Signal()
