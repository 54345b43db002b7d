"""KPIs: shared definitions, per-partner assignments and targets, measurements and detected successes.

How the numbers are aggregated is decided in one place: `kpis.aggregation`. A measurement keeps
the *parts* of a ratio (numerator and denominator) or the sample size of an average, so any
period (week, month, quarter, year) is aggregated exactly from them.

One module per subject (as NetBox splits tenancy/models/); every model is re-exported here, so
`from kpis.models import Measurement` works and the app label stays "kpis".
"""

from .assignments import PartnerKPI
from .choices import Aggregation, Direction, Horizon, MeasuredFrom, PeriodKind, Source, Subject
from .definitions import KPIDefinition, _tr
from .measurements import Measurement
from .reviews import DisputeState, ReviewEvent, ReviewState, ScorecardDispute, ScorecardReview
from .rollups import MonthlyRollup
from .successes import Success, SuccessKind
from .targets import KPITarget, KPITargetQuerySet

__all__ = [
    "Aggregation",
    "Direction",
    "DisputeState",
    "Horizon",
    "KPIDefinition",
    "KPITarget",
    "KPITargetQuerySet",
    "MeasuredFrom",
    "Measurement",
    "MonthlyRollup",
    "PartnerKPI",
    "PeriodKind",
    "ReviewEvent",
    "ReviewState",
    "ScorecardDispute",
    "ScorecardReview",
    "Source",
    "Subject",
    "Success",
    "SuccessKind",
    "_tr",
]
