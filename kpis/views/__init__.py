"""Browser views of the KPI app, by subject: definitions (with assignments and targets), the scorecard
and portfolio, measurements (with the exports) and the import. Thin: every read through kpis.selectors,
every write through kpis.services."""

from .definitions import DefinitionFormView, DefinitionListView, PartnerKPIFormView, PartnerKPIsView, TargetCreateView
from .imports import ImportTemplateView, ImportView
from .measurements import MeasurementCreateView, MeasurementExportView, MeasurementListView, ScorecardExportView
from .reviews import (
    DisputeCreateView,
    DisputeDetailView,
    DisputeFileView,
    DisputeRaiseView,
    DisputeWithdrawView,
    ReviewAcceptView,
    ReviewListView,
)
from .scorecard import ChartView, PortfolioView, ScorecardView

__all__ = [
    "ChartView",
    "DefinitionFormView",
    "DefinitionListView",
    "DisputeCreateView",
    "DisputeDetailView",
    "DisputeFileView",
    "DisputeRaiseView",
    "DisputeWithdrawView",
    "ImportTemplateView",
    "ImportView",
    "MeasurementCreateView",
    "MeasurementExportView",
    "MeasurementListView",
    "PartnerKPIFormView",
    "PartnerKPIsView",
    "PortfolioView",
    "ReviewAcceptView",
    "ReviewListView",
    "ScorecardExportView",
    "ScorecardView",
    "TargetCreateView",
]
