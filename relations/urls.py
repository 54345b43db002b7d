from django.urls import path

from . import views

app_name = "relations"

urlpatterns = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice_acknowledge"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/status/", views.case_status, name="case_status"),
    path("cases/<int:pk>/acknowledge/", views.case_acknowledge, name="case_acknowledge"),
    path("cases/<int:pk>/files/", views.case_file_upload, name="case_file_upload"),
    path("cases/<int:pk>/actions/", views.case_action, name="case_action"),
    path("cases/<int:pk>/measurements/", views.case_measurement, name="case_measurement"),
    path("cases/measurements/", views.measurement_picker, name="measurement_picker"),
    path("files/case/<int:pk>/", views.case_file_download, name="case_file"),
    path("kudos/new/", views.kudos_create, name="kudos_create"),
    path("successes/", views.success_list, name="success_list"),
    path("partners/<int:pk>/health/", views.health_detail, name="health"),
    path("partners/<int:pk>/health/recompute/", views.health_recompute, name="health_recompute"),
    path("partners/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("engagements/", views.engagement_list, name="engagement_list"),
    path("engagements/new/", views.engagement_create, name="engagement_create"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/edit/", views.engagement_edit, name="engagement_edit"),
    path("engagements/<int:pk>/files/", views.engagement_file_upload, name="engagement_file_upload"),
    path("files/engagement/<int:pk>/", views.engagement_file_download, name="engagement_file"),
    path("roadmap/", views.roadmap_list, name="roadmap_list"),
    path("roadmap/new/", views.roadmap_create, name="roadmap_create"),
    path("roadmap/<int:pk>/", views.roadmap_detail, name="roadmap_detail"),
    path("roadmap/<int:pk>/edit/", views.roadmap_edit, name="roadmap_edit"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/answer/", views.survey_answer, name="survey_answer"),
]
