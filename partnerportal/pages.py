"""The shell's small pages: home (sends the browser on), /healthz, /favicon.ico and the language switch."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.generic import View

from partnerportal import policy


class HomeView(View):
    """`/`: the login page, a partner user's own partner page or host staff's dashboard.

    It answers every method alike (it only sends the browser on), so it replaces `dispatch()`.
    """

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGIN_URL)
        if policy.is_partner(request.user) and request.user.organization_id:
            return redirect("partners:detail", pk=request.user.organization_id)
        if policy.is_host(request.user):
            return redirect("dashboard")
        raise PermissionDenied


HEALTH_TIMEOUT = 2  # seconds


def _check_database():
    """A query that must get an answer within HEALTH_TIMEOUT, also from a frozen or locked-up database.

    On PostgreSQL the probe uses its own short-lived connection with a short connect and statement
    timeout (the pooled connection of this worker may be fine while new ones cannot be made, and
    its timeouts are the longer ones of web requests). The query reads a table, so a database
    that accepts connections but cannot serve reads is reported too.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return
    probe = connection.copy()
    options = probe.settings_dict.setdefault("OPTIONS", {})
    options["connect_timeout"] = HEALTH_TIMEOUT
    options["options"] = f"-c statement_timeout={HEALTH_TIMEOUT * 1000}"
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
            cursor.fetchone()
    finally:
        probe.close()


@method_decorator(never_cache, name="dispatch")
class HealthView(View):
    """Database and broker reachability for load balancers and compose health checks."""

    http_method_names = ["get"]

    def get(self, request):
        checks = {"database": self.database(), "broker": self.broker()}
        healthy = all(value == "ok" for value in checks.values())
        return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)

    @staticmethod
    def database() -> str:
        try:
            _check_database()
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
            return f"error: {exc.__class__.__name__}"
        return "ok"

    @staticmethod
    def broker() -> str:
        try:
            from partnerportal.celery import app

            # Short timeouts: a load balancer's probe must get an answer quickly, also when the
            # broker host silently drops packets.
            quick = {"socket_connect_timeout": HEALTH_TIMEOUT, "socket_timeout": HEALTH_TIMEOUT}
            with app.connection_for_write(connect_timeout=HEALTH_TIMEOUT, transport_options=quick) as conn:
                conn.ensure_connection(max_retries=1, interval_start=0.1, interval_step=0.1, timeout=HEALTH_TIMEOUT)
        except Exception as exc:  # noqa: BLE001
            return f"error: {exc.__class__.__name__}"
        return "ok"


class FaviconView(View):
    """`/favicon.ico`, which browsers and bookmark tools ask for on their own: the static icon."""

    http_method_names = ["get"]

    def get(self, request):
        return HttpResponseRedirect(static("favicon.ico"))


class SetLanguageView(View):
    """Switch the language; signed-in users keep it as their preference (used for e-mails too)."""

    http_method_names = ["post"]

    def post(self, request):
        language = request.POST.get("language", "")
        next_url = request.POST.get("next") or reverse("home")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = reverse("home")
        response = HttpResponseRedirect(next_url)
        if language and check_for_language(language) and language in dict(settings.LANGUAGES):
            if request.user.is_authenticated:
                request.user.language = language
                request.user.save(update_fields=["language"])
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
