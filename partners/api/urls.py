from rest_framework.routers import DefaultRouter

from .views import PartnerViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("partners", PartnerViewSet, basename="partner")

urlpatterns = router.urls
