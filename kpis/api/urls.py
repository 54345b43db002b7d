from django.urls import path
from rest_framework.routers import DefaultRouter

from .reviews import ScorecardDisputeViewSet, ScorecardReviewViewSet
from .views import (
    KPIDefinitionViewSet,
    KPITargetViewSet,
    MeasurementBulkView,
    MeasurementViewSet,
    PartnerKPIViewSet,
    ScorecardView,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("kpis/definitions", KPIDefinitionViewSet, basename="kpi-definition")
router.register("kpis/partner-kpis", PartnerKPIViewSet, basename="partner-kpi")
router.register("kpis/targets", KPITargetViewSet, basename="kpi-target")
router.register("kpis/measurements", MeasurementViewSet, basename="kpi-measurement")
router.register("scorecard-reviews", ScorecardReviewViewSet, basename="scorecard-review")
router.register("scorecard-disputes", ScorecardDisputeViewSet, basename="scorecard-dispute")

urlpatterns = [
    path("kpis/measurements/bulk/", MeasurementBulkView.as_view(), name="kpi-measurement-bulk"),
    path("kpis/scorecard/<int:partner_pk>/", ScorecardView.as_view(), name="kpi-scorecard"),
    *router.urls,
]
