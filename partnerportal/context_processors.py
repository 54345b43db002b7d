from django.conf import settings
from django.utils.functional import SimpleLazyObject

from partnerportal import hub


def portal(request):
    """The layout's values for every template rendered with a request.

    Each is worked out only when a template uses it: a full page's top bar asks for the menu and
    the unread count, while an htmx fragment, an e-mail or a form rendered with the request asks
    for neither and pays for neither (no query, no menu).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": [], "SITE_URL": settings.SITE_URL}

    def unread():
        from partnerportal.notifications.selectors import unread_count

        return unread_count(user=user)

    return {
        "nav_items": SimpleLazyObject(lambda: hub.nav_for(user)),
        "nav_menu": SimpleLazyObject(lambda: hub.nav_menu_for(user, request)),
        "unread_notifications": SimpleLazyObject(unread),
        "SITE_URL": settings.SITE_URL,
    }
