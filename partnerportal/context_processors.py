from django.conf import settings

from partnerportal import hub


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": [], "SITE_URL": settings.SITE_URL}
    from partnerportal.notifications.selectors import unread_count

    return {
        "nav_items": hub.nav_for(user),
        "nav_menu": hub.nav_menu_for(user, request),
        "unread_notifications": unread_count(user=user),
        "SITE_URL": settings.SITE_URL,
    }
