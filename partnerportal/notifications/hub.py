"""How the notifications app shows up on the host dashboard."""

from django.utils.translation import gettext_lazy as _

from . import selectors


def dashboard_panel(request):
    overview = selectors.outbox_overview(user=request.user)
    if overview is None:
        return None
    return {"title": _("E-mail outbox"), **overview}
