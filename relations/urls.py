from django.urls import path

from .views import case_facts, cases, engagements, health, kudos, notices, roadmap, surveys, timeline

app_name = "relations"

urlpatterns = [
    path("notices/", notices.NoticeListView.as_view(), name="notice_list"),
    path("notices/new/", notices.NoticeCreateView.as_view(), name="notice_create"),
    path("notices/<int:pk>/", notices.NoticeDetailView.as_view(), name="notice_detail"),
    path("notices/<int:pk>/acknowledge/", notices.NoticeAcknowledgeView.as_view(), name="notice_acknowledge"),
    path("cases/", cases.CaseListView.as_view(), name="case_list"),
    path("cases/new/", cases.CaseCreateView.as_view(), name="case_create"),
    path("cases/<int:pk>/", cases.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", cases.CaseEditView.as_view(), name="case_edit"),
    path("cases/<int:pk>/status/", cases.CaseStatusView.as_view(), name="case_status"),
    path("cases/<int:pk>/acknowledge/", cases.CaseAcknowledgeView.as_view(), name="case_acknowledge"),
    path("cases/<int:pk>/files/", case_facts.CaseFileUploadView.as_view(), name="case_file_upload"),
    path("cases/<int:pk>/actions/", cases.CaseActionView.as_view(), name="case_action"),
    path("cases/<int:pk>/measurements/", case_facts.CaseMeasurementView.as_view(), name="case_measurement"),
    path("cases/measurements/", case_facts.MeasurementPickerView.as_view(), name="measurement_picker"),
    path("files/case/<int:pk>/", case_facts.CaseFileDownloadView.as_view(), name="case_file"),
    path("kudos/new/", kudos.KudosCreateView.as_view(), name="kudos_create"),
    path("successes/", kudos.SuccessListView.as_view(), name="success_list"),
    path("health/", health.HealthListView.as_view(), name="health_list"),
    path("partners/<int:pk>/health/", health.HealthView.as_view(), name="health"),
    path("partners/<int:pk>/health/recompute/", health.HealthRecomputeView.as_view(), name="health_recompute"),
    path("partners/<int:pk>/timeline/", timeline.TimelineView.as_view(), name="timeline"),
    path("engagements/", engagements.EngagementListView.as_view(), name="engagement_list"),
    path("engagements/new/", engagements.EngagementCreateView.as_view(), name="engagement_create"),
    path("engagements/<int:pk>/", engagements.EngagementDetailView.as_view(), name="engagement_detail"),
    path("engagements/<int:pk>/edit/", engagements.EngagementEditView.as_view(), name="engagement_edit"),
    path(
        "engagements/<int:pk>/files/",
        engagements.EngagementFileUploadView.as_view(),
        name="engagement_file_upload",
    ),
    path("files/engagement/<int:pk>/", engagements.EngagementFileDownloadView.as_view(), name="engagement_file"),
    path("roadmap/", roadmap.RoadmapListView.as_view(), name="roadmap_list"),
    path("roadmap/new/", roadmap.RoadmapCreateView.as_view(), name="roadmap_create"),
    path("roadmap/<int:pk>/", roadmap.RoadmapDetailView.as_view(), name="roadmap_detail"),
    path("roadmap/<int:pk>/edit/", roadmap.RoadmapEditView.as_view(), name="roadmap_edit"),
    path("surveys/", surveys.SurveyListView.as_view(), name="survey_list"),
    path("surveys/new/", surveys.SurveyCreateView.as_view(), name="survey_create"),
    path("surveys/<int:pk>/", surveys.SurveyDetailView.as_view(), name="survey_detail"),
    path("surveys/<int:pk>/answer/", surveys.SurveyAnswerView.as_view(), name="survey_answer"),
]
