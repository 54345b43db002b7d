"""Account events for the audit log: sign-ins (also failed ones), sign-outs, passwords, second factors,
sessions and API tokens.

The shell listens to Django's and allauth's signals here; the row itself is written by the partners
app, which owns the `AccountEvent` model and registers its writer with `register_recorder()` (the
shell imports no app). Its kinds are `AccountEventKind`, defined here.
"""

import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountEventKind(models.TextChoices):
    """What happened to an account: the choices of `partners.models.AccountEvent.kind`."""

    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGNED_OUT = "signed_out", _("Signed out")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset")
    MFA_ADDED = "mfa_added", _("Second factor added")
    MFA_REMOVED = "mfa_removed", _("Second factor removed")
    RECOVERY_CODES_GENERATED = "recovery_codes", _("Recovery codes generated")
    SESSIONS_ENDED = "sessions_ended", _("Other sessions signed out")
    SSO_SIGNED_IN = "sso_signed_in", _("Signed in with single sign-on")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_RESENT = "invitation_resent", _("Invitation resent")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    ROLE_CHANGED = "role_changed", _("Role changed")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")
    TOKEN_CREATED = "token_created", _("API token created")


# Set in the session when the person added a second factor in it (they proved they hold it; see
# partnerportal.accounts.EnrolmentMixin).
ENROLLED_SESSION_KEY = "pp_mfa_enrolled"

# When "Your sessions" last noted this session's request (seconds since the epoch).
SEEN_SESSION_KEY = "pp_seen"

_recorder: Callable | None = None


def register_recorder(recorder: Callable) -> None:
    """The partners app's `services.account_event_record(kind=, user=, actor=, request=, identifier=, detail=)`."""
    global _recorder
    _recorder = recorder


def record(kind: str, *, user=None, request=None, identifier: str = "", detail: str = "", actor=None) -> None:
    """Add one account event (nothing when no app registered a writer, e.g. in a bare shell)."""
    if _recorder is not None:
        _recorder(kind=kind, user=user, actor=actor, request=request, identifier=identifier, detail=detail)


def _request_of(request):
    # Client.force_login() and login() outside a request pass a bare HttpRequest or None.
    return request if request is not None and getattr(request, "META", None) else None


# Set on the request by the single sign-on adapter (partners.sso) before allauth signs the person in:
# the sign-in is then written once, as SSO_SIGNED_IN with this detail, not also as a plain SIGNED_IN.
_SSO_SIGN_IN_ATTRIBUTE = "_pp_sso_sign_in_detail"


def expect_single_sign_on(request, detail: str) -> None:
    """The sign-in about to happen on this request comes through an issuer: record it as such."""
    setattr(request, _SSO_SIGN_IN_ATTRIBUTE, detail)


def _on_signed_in(sender, request, user, **kwargs):
    sso_detail = getattr(request, _SSO_SIGN_IN_ATTRIBUTE, None)
    if sso_detail is not None:
        record(AccountEventKind.SSO_SIGNED_IN, user=user, request=_request_of(request), detail=sso_detail)
    else:
        record(AccountEventKind.SIGNED_IN, user=user, request=_request_of(request))
    session = getattr(request, "session", None)
    if session is not None:
        # allauth wrote "Your sessions"' row just now: the next write is due a while later
        # (partnerportal.accounts.UserSessionsMiddleware).
        session[SEEN_SESSION_KEY] = int(time.time())


def _on_signed_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        record(AccountEventKind.SIGNED_OUT, user=user, request=_request_of(request))


def _on_sign_in_failed(sender, credentials, request=None, **kwargs):
    """What was typed is kept; the person only when that name exists (never the password)."""
    model = get_user_model()
    identifier = str(credentials.get(model.USERNAME_FIELD) or credentials.get("username") or "")[:254]
    user = model._default_manager.filter(**{model.USERNAME_FIELD: identifier}).first() if identifier else None
    detail = "locked out" if request is not None and getattr(request, "axes_locked_out", False) else ""
    record(
        AccountEventKind.SIGN_IN_FAILED, user=user, request=_request_of(request), identifier=identifier, detail=detail
    )


def _authenticator_detail(authenticator) -> str:
    return str(authenticator.type)  # "totp", "webauthn": the audit page names it in the reader's language


def _on_authenticator_added(sender, request, user, authenticator, **kwargs):
    from allauth.mfa.models import Authenticator

    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        record(AccountEventKind.RECOVERY_CODES_GENERATED, user=user, request=request)
        return
    record(AccountEventKind.MFA_ADDED, user=user, request=request, detail=_authenticator_detail(authenticator))


def _on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    from allauth.mfa.models import Authenticator

    record(AccountEventKind.MFA_REMOVED, user=user, request=request, detail=_authenticator_detail(authenticator))
    session = getattr(request, "session", None)
    left = Authenticator.objects.filter(user_id=user.pk).exclude(type=Authenticator.Type.RECOVERY_CODES)
    if session is not None and not left.exists():
        session.pop(ENROLLED_SESSION_KEY, None)  # the factor added in this session is gone


def _on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    record(AccountEventKind.RECOVERY_CODES_GENERATED, user=user, request=request)


def _on_second_factor_failed(sender, request, user, authenticator=None, **kwargs):
    record(AccountEventKind.SIGN_IN_FAILED, user=user, request=request, detail="second factor")


def connect() -> None:
    """Called once by PartnerPortalConfig.ready (dispatch_uid keeps it once per process)."""
    from allauth.mfa import signals as mfa_signals

    user_logged_in.connect(_on_signed_in, dispatch_uid="pp-account-signed-in")
    user_logged_out.connect(_on_signed_out, dispatch_uid="pp-account-signed-out")
    user_login_failed.connect(_on_sign_in_failed, dispatch_uid="pp-account-sign-in-failed")
    mfa_signals.authenticator_added.connect(_on_authenticator_added, dispatch_uid="pp-account-mfa-added")
    mfa_signals.authenticator_removed.connect(_on_authenticator_removed, dispatch_uid="pp-account-mfa-removed")
    mfa_signals.authenticator_reset.connect(_on_authenticator_reset, dispatch_uid="pp-account-mfa-reset")
    mfa_signals.authentication_failed.connect(_on_second_factor_failed, dispatch_uid="pp-account-mfa-failed")
