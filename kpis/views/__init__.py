"""Browser views of the KPI app, by subject: definitions (with assignments and targets), the scorecard
and portfolio, measurements (with the exports) and the import. Thin: every read through kpis.selectors,
every write through kpis.services."""

from .definitions import DefinitionFormView, DefinitionListView, PartnerKPIFormView, PartnerKPIsView, TargetCreateView
from .imports import ImportTemplateView, ImportView
from .measurements import MeasurementCreateView, MeasurementExportView, MeasurementListView, ScorecardExportView
from .scorecard import ChartView, PortfolioView, ScorecardView

__all__ = [
    "ChartView",
    "DefinitionFormView",
    "DefinitionListView",
    "ImportTemplateView",
    "ImportView",
    "MeasurementCreateView",
    "MeasurementExportView",
    "MeasurementListView",
    "PartnerKPIFormView",
    "PartnerKPIsView",
    "PortfolioView",
    "ScorecardExportView",
    "ScorecardView",
    "TargetCreateView",
]
