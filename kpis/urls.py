from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("", views.DefinitionListView.as_view(), name="definitions"),
    path("definitions/new/", views.DefinitionFormView.as_view(), name="definition_create"),
    path("definitions/<int:pk>/edit/", views.DefinitionFormView.as_view(), name="definition_edit"),
    path("portfolio/", views.PortfolioView.as_view(), name="portfolio"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template/", views.ImportTemplateView.as_view(), name="import_template"),
    path("partner/<int:partner_pk>/", views.ScorecardView.as_view(), name="scorecard"),
    path("partner/<int:partner_pk>/export/", views.ScorecardExportView.as_view(), name="scorecard_export"),
    path("partner/<int:partner_pk>/assignments/", views.PartnerKPIsView.as_view(), name="partner_kpis"),
    path("partner/<int:partner_pk>/assignments/new/", views.PartnerKPIFormView.as_view(), name="partner_kpi_create"),
    path("partner/<int:partner_pk>/measurements/", views.MeasurementListView.as_view(), name="measurements"),
    path(
        "partner/<int:partner_pk>/measurements/new/", views.MeasurementCreateView.as_view(), name="measurement_create"
    ),
    path(
        "partner/<int:partner_pk>/measurements/export/",
        views.MeasurementExportView.as_view(),
        name="measurements_export",
    ),
    path("reviews/", views.ReviewListView.as_view(), name="reviews"),
    path("review/<int:pk>/accept/", views.ReviewAcceptView.as_view(), name="review_accept"),
    path("review/<int:pk>/dispute/", views.DisputeCreateView.as_view(), name="dispute_create"),
    path("dispute/<int:pk>/", views.DisputeDetailView.as_view(), name="dispute"),
    path("dispute/<int:pk>/raise/", views.DisputeRaiseView.as_view(), name="dispute_raise"),
    path("dispute/<int:pk>/withdraw/", views.DisputeWithdrawView.as_view(), name="dispute_withdraw"),
    path("dispute/<int:pk>/file/", views.DisputeFileView.as_view(), name="dispute_file"),
    path("assignment/<int:pk>/", views.ChartView.as_view(), name="chart"),
    path("assignment/<int:pk>/edit/", views.PartnerKPIFormView.as_view(), name="partner_kpi_edit"),
    path("assignment/<int:pk>/targets/new/", views.TargetCreateView.as_view(), name="target_create"),
]
