"""Shared views and the base view mixins every app uses."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView, UpdateView, View

from partnerportal import policy
from partnerportal.backends import may_sign_in


class HostRequiredMixin(LoginRequiredMixin):
    """Pages for host staff only (admins and warehouse managers).

    A page about one object names its model (or a queryset of it) in `about_model` (looked up by
    the URL's `about_kwarg`): a user refused the page then gets 404 for an object out of their reach and 403
    only for one they can see, so a guessed id tells nothing.
    """

    admin_only = False
    about_model = None
    about_kwarg = "pk"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            allowed = policy.is_admin(request.user) if self.admin_only else policy.is_host(request.user)
            if not allowed:
                if self.about_model is not None and self.about_kwarg in kwargs:
                    policy.get_object(request.user, policy.VIEW, self.about_model, pk=kwargs[self.about_kwarg])
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AdminRequiredMixin(HostRequiredMixin):
    admin_only = True


class PolicyMixin(LoginRequiredMixin):
    """Class-based views whose objects come from the access policy.

    Set `model` and `policy_action`; `get_queryset()` and `get_object()` then only ever see what
    the user may act on. An object outside the user's view scope answers 404; an object the user
    may see but not change answers 403.
    """

    policy_action = policy.VIEW

    def get_base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return policy.scope(self.request.user, policy.VIEW, self.get_base_queryset())

    def get_object(self, queryset=None):
        lookup = {"pk": self.kwargs[self.pk_url_kwarg]}
        return policy.get_object(self.request.user, self.policy_action, self.get_base_queryset(), **lookup)


def service_errors_to_form(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names if the form has it, else
    on the form as a whole (shown in the error summary)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def flash_service_errors(request, error: ValidationError) -> None:
    """Show a service's ValidationError as error messages on the next page (for buttons)."""
    for message in error.messages:
        messages.error(request, message)


class ServiceFormView(LoginRequiredMixin, View):
    """The one choreography of a page whose form feeds one service call.

    GET shows the form. POST validates it and calls `perform(form)`, which calls the service and
    returns what it made. A ValidationError from the service lands on the form (see
    `service_errors_to_form`) and the page answers `invalid_status` (400) with the form and nothing
    changed; an invalid form answers the same. On success `success_message` is flashed and the browser goes to
    `get_success_url(result)` (by default the result's own page).

    Subclasses set `form_class` and `template_name`, implement `perform()`, and add what the form
    and the page need with `get_form_kwargs()` and `get_context_data()`. Access checks belong in
    `dispatch()` / `setup_view()` (run before the form is built) or in the service.
    """

    form_class = None
    template_name = None
    success_message = ""
    invalid_status = 400

    def setup_view(self) -> None:
        """Load what the page is about (e.g. `self.object`); runs once per request, before the form."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.setup_view()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self):
        if self.request.method == "POST":
            return self.form_class(self.request.POST, self.request.FILES, **self.get_form_kwargs())
        return self.form_class(**self.get_form_kwargs())

    def get_context_data(self, **context) -> dict:
        return context

    def perform(self, form):
        raise NotImplementedError(f"{type(self).__name__} must call its service in perform()")

    def get_success_message(self, result) -> str:
        return self.success_message

    def get_success_url(self, result) -> str:
        return result.get_absolute_url()

    def form_succeeded(self, form, result):
        message = self.get_success_message(result)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url(result))

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, self.get_context_data(form=form), status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                result = self.perform(form)
            except ValidationError as error:
                service_errors_to_form(form, error)
            else:
                return self.form_succeeded(form, result)
        return self.render_form(form, status=self.invalid_status)


class ServiceActionView(LoginRequiredMixin, View):
    """The one choreography of a button: POST calls one service about one object.

    `get_object()` fetches the object through the access policy (404 out of scope, 403 in scope
    but not allowed); `perform(obj)` calls the service. Success flashes `success_message`, a
    ValidationError from the service is flashed as errors and nothing changes; either way the
    browser goes back to `get_success_url(obj, result)` / `get_failure_url(obj)` (the object's page
    by default). Pages whose button answers otherwise (e.g. htmx) override `action_succeeded()` /
    `action_failed()`.
    """

    http_method_names = ["post"]
    success_message = ""

    def get_object(self):
        raise NotImplementedError(f"{type(self).__name__} must fetch its object in get_object()")

    def perform(self, obj):
        raise NotImplementedError(f"{type(self).__name__} must call its service in perform()")

    def get_success_message(self, obj, result) -> str:
        return self.success_message

    def get_success_url(self, obj, result) -> str:
        return obj.get_absolute_url()

    def get_failure_url(self, obj) -> str:
        return obj.get_absolute_url()

    def action_succeeded(self, obj, result):
        message = self.get_success_message(obj, result)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url(obj, result))

    def action_failed(self, obj, error: ValidationError):
        flash_service_errors(self.request, error)
        return redirect(self.get_failure_url(obj))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            result = self.perform(obj)
        except ValidationError as error:
            return self.action_failed(obj, error)
        return self.action_succeeded(obj, result)


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


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form, plus a clear answer for a deactivated account.

    The "deactivated" message is given only with the right password, so a stranger still learns
    nothing about which user names exist; anything else gets the one generic message.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "deactivated": _(
            "Your account or your organisation has been deactivated, so you cannot log in. "
            "Please contact the portal's administrators."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if self._is_deactivated_account():
                raise forms.ValidationError(self.error_messages["deactivated"], code="deactivated") from None
            raise

    def _is_deactivated_account(self) -> bool:
        if self.request is not None and getattr(self.request, "axes_locked_out", False):
            return False
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return False
        model = get_user_model()
        user = model._default_manager.select_related("organization").filter(**{model.USERNAME_FIELD: username}).first()
        return user is not None and not may_sign_in(user) and user.check_password(password)


class PortalLoginView(auth_views.LoginView):
    """Django's login: one generic message for any wrong user name or password (no user hint).

    django-axes counts each failure and locks the user name + address out after
    AXES_FAILURE_LIMIT attempts (see templates/registration/locked_out.html). A deactivated
    person (or one of a deactivated organisation) who gives the right password is told so.
    """

    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True


class PortalPasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    success_url = reverse_lazy("profile")
    success_message = _("Your password was changed.")


class PortalPasswordResetView(auth_views.PasswordResetView):
    # The same answer whether or not an account has the address: nothing to learn from it.
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email", "title", "phone", "language", "time_zone"]


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    form_class = ProfileForm
    template_name = "registration/profile.html"
    success_url = reverse_lazy("profile")
    success_message = _("Your profile was saved.")

    def get_object(self, queryset=None):
        return self.request.user


class ApiTokenView(LoginRequiredMixin, TemplateView):
    """Show the user's API token; POST creates a new one (the old one stops working)."""

    template_name = "registration/api_token.html"

    def post(self, request):
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=request.user).delete()
        Token.objects.create(user=request.user)
        messages.success(request, _("A new API token was created. The old one no longer works."))
        return redirect("api_token")

    def get_context_data(self, **kwargs):
        from rest_framework.authtoken.models import Token

        context = super().get_context_data(**kwargs)
        context["token"] = Token.objects.filter(user=self.request.user).first()
        return context
