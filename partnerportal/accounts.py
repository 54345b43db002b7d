"""The account pages: sign-in (allauth's flow), password change and reset, the profile, the API token,
"Your sessions", and the two-factor rule (who must have a second factor, and whether this session passed one).

Sign-in goes through allauth's LoginView and login stages, so a person with an authenticator is asked for
it before they are signed in. django-axes still counts every failure (Django's `user_login_failed`) and
locks the user name + address out after AXES_FAILURE_LIMIT attempts with registration/locked_out.html.
"""

import time

from allauth.account import app_settings as allauth_account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.account.forms import LoginForm
from allauth.account.views import LoginView
from allauth.core import context as allauth_context
from allauth.mfa.recovery_codes import views as allauth_recovery_codes_views
from allauth.mfa.stages import AuthenticateStage
from allauth.mfa.totp import views as allauth_totp_views
from allauth.mfa.webauthn import views as allauth_webauthn_views
from allauth.usersessions.internal import usersessionkit
from allauth.usersessions.internal.flows.sessions import end_other_sessions, end_sessions
from allauth.usersessions.models import UserSession
from allauth.usersessions.views import ListUserSessionsView
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, UpdateView

from partnerportal import account_events, policy
from partnerportal.account_events import AccountEventKind
from partnerportal.backends import may_sign_in

GENERIC_LOGIN_ERROR = _("Please enter a correct username and password. Note that both fields may be case-sensitive.")
DEACTIVATED_ERROR = _(
    "Your account or your organisation has been deactivated, so you cannot log in. "
    "Please contact the portal's administrators."
)


# --- The two-factor rule ----------------------------------------------------------------------

# The page a person who must set up a second factor asked for when they were led to the set-up; once it is
# set up they go there (or, with new recovery codes to save first, are offered it on the codes' page).
SET_UP_NEXT_SESSION_KEY = "pp_mfa_set_up_next"


def mfa_required(user) -> bool:
    """Must this person have a second factor? (partnerportal.policy.mfa_required, the one rule)."""
    return policy.mfa_required(user)


def session_passed_second_factor(request) -> bool:
    """Did this session prove a second factor: an authenticator at sign-in or since (allauth's
    authentication records: TOTP, a recovery code, a passkey), a second factor added in it, or a
    single sign-on sign-in (sso17 sets `pp_sso`; the identity provider does its own MFA) while
    OIDC_SATISFIES_MFA is on."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    if session.get("pp_sso") and getattr(settings, "OIDC_SATISFIES_MFA", True):
        return True
    if session.get(account_events.ENROLLED_SESSION_KEY):
        return True
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def has_authenticator(user) -> bool:
    """Has the person an authenticator app or a passkey (recovery codes alone do not count)?"""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


def second_factor_url(user, next_url: str = "", *, has_one: bool | None = None) -> str:
    """Where to prove a second factor: the code prompt for one who has an authenticator, else the set-up."""
    if has_one is None:
        has_one = has_authenticator(user)
    url = reverse("mfa_reauthenticate") if has_one else reverse("mfa_index")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class SecondFactorRequiredMiddleware:
    """A person who must have a second factor (mfa_required) and whose session has not passed one is led
    to set one up (or, having one, to enter its code) and can do nothing else until then: every other
    page redirects there, an API call with the session answers 403. The set-up pages, signing out, the
    language switch, static files and the health check stay open. API token calls are not affected
    (they carry no session), and for everyone else this costs no query."""

    OPEN_URL_NAMES = ("mfa_index", "account_reauthenticate", "logout", "set_language", "healthz", "favicon")

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_prefixes = None

    def open_prefixes(self):
        if self._open_prefixes is None:
            self._open_prefixes = tuple(reverse(name) for name in self.OPEN_URL_NAMES) + (settings.STATIC_URL,)
        return self._open_prefixes

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or not mfa_required(user)
            or session_passed_second_factor(request)
            or request.path.startswith(self.open_prefixes())
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": gettext("Set up two-factor sign-in before using the portal.")}, status=403)
        next_url = request.get_full_path() if request.method == "GET" else ""
        has_one = has_authenticator(user)
        target = second_factor_url(user, next_url, has_one=has_one)
        if not has_one:
            if next_url and not request.headers.get("HX-Request"):
                request.session[SET_UP_NEXT_SESSION_KEY] = next_url  # offered again once it is set up
            messages.warning(
                request,
                _(
                    "You must set up two-factor sign-in before you can use the portal. "
                    "Add an authenticator app or a passkey."
                ),
                fail_silently=True,
            )
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)


class UserSessionsMiddleware:
    """allauth's session tracking ("Your sessions": browser, address, last seen), written at most every
    USERSESSIONS_SEEN_EVERY seconds per session instead of on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and session.session_key and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(account_events.SEEN_SESSION_KEY, 0) >= settings.USERSESSIONS_SEEN_EVERY:
                usersessionkit.track_activity(request, user=user, session=session)
                session[account_events.SEEN_SESSION_KEY] = now
        return self.get_response(request)


# --- Sign-in ------------------------------------------------------------------------------------


class SsoAuthenticateStage(AuthenticateStage):
    """allauth's second-factor step of a sign-in, skipped for a sign-in through an issuer while
    OIDC_SATISFIES_MFA is on (the identity provider asked for its own second factor).

    PortalAccountAdapter.get_login_stages() lists it instead of allauth's (`login_stages`).
    """

    def _should_handle(self, request) -> bool:
        if getattr(settings, "OIDC_SATISFIES_MFA", True) and (self.login.signal_kwargs or {}).get("sociallogin"):
            return False
        return super()._should_handle(request)


def login_stages(stages: list[str]) -> list[str]:
    """allauth's login stages with the second-factor step that honours OIDC_SATISFIES_MFA, for
    PortalAccountAdapter.get_login_stages."""
    allauths = f"{AuthenticateStage.__module__}.{AuthenticateStage.__qualname__}"
    ours = f"{SsoAuthenticateStage.__module__}.{SsoAuthenticateStage.__qualname__}"
    return [ours if stage == allauths else stage for stage in stages]


class PortalAccountAdapter(DefaultAccountAdapter):
    """allauth, the portal's way: no sign-up of one's own (people come by invitation), the one generic
    message for a wrong user name or password, and django-axes as the only failure counter."""

    error_messages = {**DefaultAccountAdapter.error_messages, "username_password_mismatch": GENERIC_LOGIN_ERROR}

    def is_open_for_signup(self, request):
        return False

    # allauth's flash messages the portal does not show: "Successfully signed in as …" came on every
    # sign-in (in the language of the page before it, not the person's); landing on one's page says enough.
    silent_messages = frozenset({"account/messages/logged_in.txt"})

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        if message_template in self.silent_messages and not message:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def get_login_stages(self):
        # allauth's second-factor step, skipped after a single sign-on while OIDC_SATISFIES_MFA is on.
        return login_stages(super().get_login_stages())

    def pre_authenticate(self, request, **credentials):
        # allauth's own failed-login limit would refuse before axes sees the attempt, with another page
        # and another count; axes (AXES_FAILURE_LIMIT, the locked-out page) is the one lock-out.
        self._login_failed_rl_usage = None

    def is_reauthentication_required(self, *, app, **kwargs):
        # Right after signing in (within ACCOUNT_REAUTHENTICATION_TIMEOUT) a person is not asked for
        # their password again before setting up a second factor: they have just given it.
        request = allauth_context.request
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            records = get_authentication_records(request, user)
            if records and time.time() - records[-1].get("at", 0) < allauth_account_settings.REAUTHENTICATION_TIMEOUT:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def pre_login(self, request, user, **kwargs):
        # Every way in (password, passkey, single sign-on) refuses a person who may not sign in, with the
        # deactivated message: they proved who they are, so telling them says nothing to a stranger.
        if not may_sign_in(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def respond_user_inactive(self, request, user):
        messages.error(request, DEACTIVATED_ERROR)
        return HttpResponseRedirect(reverse("login"))

    def login(self, request, user):
        # A sign-in without a password (passkey, single sign-on) has no backend yet: ours, not axes'.
        if not hasattr(user, "backend"):
            user.backend = "partnerportal.backends.PortalBackend"
        super().login(request, user)


class PortalLoginForm(LoginForm):
    """allauth's login form with the field named `username` (as before, and as axes reads it). A
    deactivated person (or one of a deactivated organisation) is told so, but only with the right
    password, so a stranger learns nothing about which user names exist."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        login = fields.pop("login")
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs["autofocus"] = True
        self.fields.clear()
        self.fields["username"] = login
        self.fields.update(fields)
        self.fields["password"].help_text = ""

    def clean_username(self):
        return self.cleaned_data["username"].strip()

    def user_credentials(self):
        self.cleaned_data["login"] = self.cleaned_data.get("username", "")
        return super().user_credentials()

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if self._is_deactivated_account():
                raise forms.ValidationError(DEACTIVATED_ERROR, code="deactivated") from None
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


class PortalLoginView(LoginView):
    """allauth's sign-in (then its two-factor stage for a person with an authenticator)."""

    form_class = PortalLoginForm
    template_name = "account/login.html"


# --- Setting up a second factor ------------------------------------------------------------------


def _pop_set_up_next(request) -> str:
    """The page asked for before a required set-up (once), if it is one of the portal's."""
    url = request.session.pop(SET_UP_NEXT_SESSION_KEY, "")
    local = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if url and local else ""


class EnrolmentMixin:
    """Adding an authenticator app or a passkey proves the person holds it (they gave its code or touched
    it): the session counts as having passed the second factor from then on. One who was led here goes on
    to the page they asked for (after saving new recovery codes: RecoveryCodesView offers it)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[account_events.ENROLLED_SESSION_KEY] = True
        return response

    def get_success_url(self):
        url = super().get_success_url()
        if url == reverse("mfa_view_recovery_codes"):
            return url
        return _pop_set_up_next(self.request) or url


class RecoveryCodesView(allauth_recovery_codes_views.ViewRecoveryCodesView):
    """allauth's recovery codes; right after a required set-up, with a link on to the page asked for."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["continue_url"] = _pop_set_up_next(self.request)
        return context


class ActivateTOTPView(EnrolmentMixin, allauth_totp_views.ActivateTOTPView):
    pass


class AddWebAuthnView(EnrolmentMixin, allauth_webauthn_views.AddWebAuthnView):
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["name"].label = _("Name")  # allauth gives it none: Django's "Name" in every language
        return form


# --- Passwords and sessions ---------------------------------------------------------------------


class PortalPasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Django's password change; the person's other sessions are signed out, this one stays."""

    success_url = reverse_lazy("profile")
    success_message = _("Your password was changed. You were signed out everywhere else.")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session (with a new key)
        end_other_sessions(self.request, self.request.user)
        UserSession.objects.create_from_request(self.request)
        account_events.record(
            AccountEventKind.PASSWORD_CHANGED,
            user=self.request.user,
            request=self.request,
            detail="other sessions ended",
        )
        return response


class PortalPasswordResetView(auth_views.PasswordResetView):
    # The same answer whether or not an account has the address: nothing to learn from it.
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PortalPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset link; a new password signs the person out of all their sessions."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        end_sessions(self.request, list(UserSession.objects.filter(user_id=user.pk)))
        account_events.record(AccountEventKind.PASSWORD_RESET, user=user, request=self.request)
        return response


class PortalSessionsView(ListUserSessionsView):
    """allauth's "Your sessions": where the person is signed in; "sign out of the other sessions"."""

    template_name = "usersessions/usersession_list.html"

    def form_valid(self, form):
        others = UserSession.objects.filter(user_id=self.request.user.pk).exclude(
            session_key=self.request.session.session_key
        )
        ended = others.count()
        response = super().form_valid(form)
        account_events.record(
            AccountEventKind.SESSIONS_ENDED,
            user=self.request.user,
            request=self.request,
            detail=f"{ended}",
        )
        return response


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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mfa_on"] = has_authenticator(self.request.user)
        context["mfa_required"] = mfa_required(self.request.user)
        return context


class ApiTokenView(LoginRequiredMixin, TemplateView):
    """Show the user's API token; POST creates a new one (the old one stops working). Only a session
    that passed a second factor may create one: a token is a password that skips the second factor."""

    template_name = "registration/api_token.html"

    def post(self, request):
        from rest_framework.authtoken.models import Token

        if not session_passed_second_factor(request):
            messages.error(request, _("Confirm your second factor before you create an API token."))
            return redirect("api_token")
        Token.objects.filter(user=request.user).delete()
        Token.objects.create(user=request.user)
        account_events.record(AccountEventKind.TOKEN_CREATED, user=request.user, request=request)
        messages.success(request, _("A new API token was created. The old one no longer works."))
        return redirect("api_token")

    def get_context_data(self, **kwargs):
        from rest_framework.authtoken.models import Token

        context = super().get_context_data(**kwargs)
        context["token"] = Token.objects.filter(user=self.request.user).first()
        context["second_factor_passed"] = session_passed_second_factor(self.request)
        if not context["second_factor_passed"]:
            context["second_factor_url"] = second_factor_url(self.request.user, reverse("api_token"))
        return context
