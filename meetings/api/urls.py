from rest_framework.routers import DefaultRouter

from .views import ActionItemViewSet, MeetingViewSet, SeriesViewSet, TopicViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("meeting-series", SeriesViewSet, basename="meeting-series")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("agenda-topics", TopicViewSet, basename="agenda-topic")
router.register("action-items", ActionItemViewSet, basename="action-item")

urlpatterns = router.urls
