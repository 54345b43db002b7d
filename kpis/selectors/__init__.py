"""Reads of the KPI app, already restricted by the access policy. All numbers come from kpis.aggregation.

One module per subject, all offered here (`from kpis import selectors`): the status rules,
definitions and partner KPIs, targets, measurements, successes, results per KPI, the scorecard,
the chart of one partner KPI, the portfolio and its overview (the dashboard's counters: the same
figures in one SQL statement). `Success` is offered for other apps' receivers.
"""

from .charts import kpi_chart
from .definitions import (
    all_partner_kpis,
    assignable_definitions,
    computed_assignments,
    definition_for,
    definitions_by_id,
    definitions_for,
    definitions_of,
    kpi_ids_named,
    partner_kpi_for,
    submittable_partner_kpis,
    visible_partner_kpis,
)
from .measurements import all_measurements, latest_data_day, measurement_detail, measurements_for
from .portfolios import PortfolioPartner, PortfolioRow, portfolio
from .results import KPIResult, kpi_attainment, kpi_results
from .reviews import (
    all_disputes,
    all_reviews,
    disputes_for_agenda,
    final_months,
    finality,
    months_between,
    months_in_review,
    raised_disputes,
    review_states,
    with_disputes,
    with_history,
)
from .scorecards import SPARK_PERIODS, Scorecard, scorecard
from .status import CRITICAL, NO_DATA, ON_TARGET, STATUS_POINTS, WARNING, overall_score, status_of, trend_of
from .successes import Success, hub_successes, successes_for
from .targets import (
    TargetInForce,
    _pick_target,
    partner_target_history,
    shared_targets_of,
    target_history,
    target_queryset,
    targets_in_force,
    with_current_targets,
)

__all__ = [
    "CRITICAL",
    "NO_DATA",
    "ON_TARGET",
    "SPARK_PERIODS",
    "STATUS_POINTS",
    "WARNING",
    "KPIResult",
    "PortfolioPartner",
    "PortfolioRow",
    "Scorecard",
    "Success",
    "TargetInForce",
    "_pick_target",
    "all_measurements",
    "definitions_by_id",
    "definitions_for",
    "kpi_attainment",
    "kpi_chart",
    "kpi_ids_named",
    "kpi_results",
    "latest_data_day",
    "measurement_detail",
    "measurements_for",
    "overall_score",
    "portfolio",
    "scorecard",
    "shared_targets_of",
    "partner_target_history",
    "with_current_targets",
    "all_partner_kpis",
    "assignable_definitions",
    "definition_for",
    "definitions_of",
    "partner_kpi_for",
    "submittable_partner_kpis",
    "status_of",
    "successes_for",
    "hub_successes",
    "target_history",
    "target_queryset",
    "targets_in_force",
    "trend_of",
    "visible_partner_kpis",
]

from .overview import PortfolioOverview, ScoredPartner, portfolio_overview  # noqa: E402

__all__ += ["PortfolioOverview", "ScoredPartner", "portfolio_overview"]
__all__ += ["computed_assignments"]
__all__ += [
    "all_disputes",
    "all_reviews",
    "disputes_for_agenda",
    "final_months",
    "finality",
    "months_in_review",
    "months_between",
    "raised_disputes",
    "review_states",
    "with_disputes",
    "with_history",
]
