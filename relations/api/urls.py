from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("cases", views.CaseViewSet, basename="case")
router.register("kudos", views.KudosViewSet, basename="kudos")
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("roadmap", views.RoadmapItemViewSet, basename="roadmap-item")
router.register("roadmap-comments", views.RoadmapCommentViewSet, basename="roadmap-comment")
router.register("surveys", views.SurveyRoundViewSet, basename="survey-round")
router.register("health-snapshots", views.HealthSnapshotViewSet, basename="health-snapshot")
router.register("timeline", views.TimelineEventViewSet, basename="timeline-event")

urlpatterns = router.urls
