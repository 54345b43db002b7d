"""How the notifications app plugs into the shell: the outbox panel on the dashboard, the shell's own
notification kinds and the dispatcher's periodic task (`register()`, called from NotificationsConfig.ready)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from partnerportal import hub, schedule

from . import kinds, selectors
from .tasks import DISPATCH_TASK


def dashboard_panel(request):
    overview = selectors.outbox_overview(user=request.user)
    if overview is None:
        return None
    return {"title": _("E-mail outbox"), **overview}


def register():
    hub.dashboard_panel("notifications_outbox", "notifications/_dashboard_panel.html", dashboard_panel, order=90)
    kinds.register(kinds.SYSTEM, _("System messages"))
    kinds.register(kinds.ACCOUNT, _("Your account"))
    schedule.periodic_task(schedule.DISPATCH_TASK_NAME, DISPATCH_TASK, settings.NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS)
