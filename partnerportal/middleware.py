import zoneinfo

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Show each signed-in user the portal in their own language and time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response of the portal's views.

    Pages, API answers, exports, files and calendar feeds carry a person's or a partner's data;
    no browser history cache or shared proxy may keep them. Static files never get here:
    WhiteNoise answers them before this middleware (it sits below WhiteNoise in MIDDLEWARE), with
    its own long-lived, public caching. A view that already forbids storing (Django's
    `never_cache`) keeps its header.
    """

    VALUE = "private, no-store"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        directives = {d.strip().lower() for d in response.get("Cache-Control", "").split(",")}
        if not {"private", "no-store"} <= directives:
            response["Cache-Control"] = self.VALUE
        return response
