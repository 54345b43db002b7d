"""How the agreements app plugs into the shell: navigation, the partner hub section, the dashboard panel,
notification kinds and periodic tasks (`register()`, called from AgreementsConfig.ready)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerportal import dashboard_cache, hub, policy, schedule
from partnerportal.notifications import kinds

from . import demo, selectors, services
from .models import Agreement, AgreementVersion, Signature, VersionStatus


def partner_section(request, partner):
    user = request.user
    if not policy.allows(user, policy.VIEW, AgreementVersion):
        return None
    agreement, versions = selectors.partner_agreement_versions(user=user, partner=partner)  # one query
    active = next((v for v in versions if v.status == VersionStatus.ACTIVE), None)
    open_version = next((v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)), None)
    pending = bool(open_version and open_version.awaits_signature)
    today = timezone.localdate()
    return {
        "title": _("Agreement"),
        "agreement": agreement,
        "active": active,
        "open_version": open_version,
        "pending": pending,
        "review_overdue": bool(active and active.review_date and active.review_date < today),
        "can_create": agreement is None and policy.allows(user, policy.ADD, Agreement),
    }


def dashboard_panel(request):
    """What awaits signatures and reviews: three lists of at most ten versions, read in one query."""
    today = timezone.localdate()
    lists = dashboard_cache.cached(
        "agreements", request.user, lambda: selectors.dashboard_versions(user=request.user, today=today, limit=10)
    )
    return {
        "title": _("Agreements"),
        **lists,
        "today": today,
    }


def register():
    hub.demo_part("agreements", demo.seed, order=30)
    hub.nav_item(
        _("Agreements"),
        "agreements:list",
        visible=policy.is_host,
        order=30,
        icon="file-earmark-text",
        group="collaboration",
    )
    hub.partner_section("agreements", "agreements/_hub_section.html", partner_section, order=20)
    hub.dashboard_panel("agreements", "agreements/_dashboard_panel.html", dashboard_panel, order=30)
    # The panel's lists are kept in the cache until their inputs change (partnerportal.dashboard_cache).
    dashboard_cache.invalidate_on("agreements", Agreement, AgreementVersion, Signature, "partners.Organization")

    kinds.register(services.KIND_SIGNATURE, _("Agreement awaits your signature"))
    kinds.register(services.KIND_STATUS, _("Agreement activated or terminated"))
    kinds.register(services.KIND_REVIEW, _("Agreement review is coming up"))

    # Written to django-celery-beat's schedule after migrate; each run only sends what is due, once.
    schedule.periodic_task(
        "Agreements: remind pending signatures", "agreements.tasks.remind_pending_signatures", 6 * 3600
    )
    schedule.periodic_task("Agreements: remind upcoming reviews", "agreements.tasks.remind_reviews", 24 * 3600)
