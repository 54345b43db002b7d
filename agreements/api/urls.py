from rest_framework.routers import DefaultRouter

from .views import (
    AgreementVersionViewSet,
    AgreementViewSet,
    ChannelRuleViewSet,
    EscalationStepViewSet,
    ResponsibilityViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("agreement-versions", AgreementVersionViewSet, basename="agreement-version")
router.register("agreement-responsibilities", ResponsibilityViewSet, basename="agreement-responsibility")
router.register("agreement-channels", ChannelRuleViewSet, basename="agreement-channel")
router.register("agreement-escalation-steps", EscalationStepViewSet, basename="agreement-escalation-step")

urlpatterns = router.urls
