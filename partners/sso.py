"""Single sign-on (OpenID Connect): who a person signed in by an issuer becomes in the portal.

django-allauth runs the OpenID Connect flow (the issuers are configured in partnerportal/sso.py from
the environment); this adapter decides, before anyone is signed in:

- A person already connected to the issuer (its `sub`) is that user again.
- Otherwise the issuer's e-mail address must be verified (the `email_verified` claim, unless the
  issuer is configured to be trusted for it) and is looked up case-insensitively among the users:
  one user: connected to the issuer from now on; two or more: refused (the address is ambiguous);
  none: refused, unless the address's domain is on the host's allow-list (OIDC_ALLOWED_DOMAINS):
  then a host user is created with OIDC_DEFAULT_ROLE and the name from the claims.
- The host's issuer signs in host staff only (partners keep their local sign-in); a partner's own
  issuer signs in that organisation's people only.
- A deactivated person, or one of a deactivated organisation, is refused.

Every refusal goes back to the login page with a message, creates nothing and is written to the
account events (SIGN_IN_FAILED); a sign-in is written once, as SSO_SIGNED_IN, and marks the session
(`pp_sso`, see partnerportal.sso.sso_satisfies_mfa). There is never a sign-up form.
"""

from __future__ import annotations

import logging

from allauth.account.signals import user_logged_in as allauth_user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in as django_user_logged_in
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from partnerportal import account_events, accounts, policy
from partnerportal.backends import may_sign_in
from partnerportal.sso import SESSION_KEY, portal_settings_of

from .models import AccountEventKind, Organization, User
from .services import account_event_record

logger = logging.getLogger(__name__)


class SsoRefused(Exception):
    """Single sign-on cannot sign this person in; `message` is for them, `reason` for the audit log."""

    def __init__(self, reason: str, message: str, *, user=None):
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.user = user


def claims_of(sociallogin) -> dict:
    """The issuer's claims: the ID token's, completed by the userinfo endpoint's."""
    data = sociallogin.account.extra_data or {}
    if "userinfo" in data or "id_token" in data:
        return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return dict(data)


def _is_true(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return value is True


def _issuer_settings(sociallogin) -> tuple[str, str, dict]:
    provider = sociallogin.provider or sociallogin.account.get_provider()
    app = provider.app
    return app.provider_id or provider.id, app.name or provider.name, portal_settings_of(app.settings)


def _deactivated_message():
    return _(
        "Your account or your organisation has been deactivated, so you cannot log in. "
        "Please contact the portal's administrators."
    )


def _check_may_use(user, *, provider_name: str, organization_id) -> None:
    """Refuse `user` unless they may sign in through this issuer."""
    if not may_sign_in(user):
        raise SsoRefused("deactivated", _deactivated_message(), user=user)
    if organization_id is None:
        if not (policy.is_host(user) and user.organization_id and user.organization.is_host):
            raise SsoRefused(
                "not host staff",
                _(
                    "Single sign-on with %(provider)s is for the host company's staff. "
                    "Please log in with your user name and password."
                )
                % {"provider": provider_name},
                user=user,
            )
    elif user.organization_id != organization_id or not policy.is_partner(user):
        raise SsoRefused(
            "other organisation",
            _(
                "Your account does not belong to the organisation that signs in with %(provider)s. "
                "Please log in with your user name and password."
            )
            % {"provider": provider_name},
            user=user,
        )


def _username_for(email: str) -> str:
    base = email.lower()[:140]
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _names_from(claims: dict) -> tuple[str, str]:
    first, last = (claims.get("given_name") or "").strip(), (claims.get("family_name") or "").strip()
    if not first and not last and claims.get("name"):
        first, _space, last = str(claims["name"]).strip().partition(" ")
    return first[:150], last[:150]


@transaction.atomic
def sso_user_create(*, email: str, claims: dict) -> User:
    """A new host user for an allow-listed address: the role OIDC_DEFAULT_ROLE, no usable password."""
    host = Organization.objects.host().filter(is_active=True).first()
    if host is None:
        raise SsoRefused("no host organisation", _("The portal has no host company yet. Please try again later."))
    first_name, last_name = _names_from(claims)
    locale = str(claims.get("locale") or "").lower()[:2]
    user = User(
        username=_username_for(email),
        email=email,
        first_name=first_name,
        last_name=last_name,
        organization=host,
        role=getattr(settings, "OIDC_DEFAULT_ROLE", policy.MANAGER),
        language=locale if locale in dict(settings.LANGUAGES) else User._meta.get_field("language").default,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def user_for_claims(*, claims: dict, provider_name: str, portal: dict) -> tuple[User, bool]:
    """The user a not yet connected issuer account belongs to, and whether it was just created.

    Raises SsoRefused when the claims sign nobody in (nothing is created then).
    """
    email = str(claims.get("email") or "").strip()
    if not email or "@" not in email:
        raise SsoRefused(
            "no e-mail address",
            _(
                "%(provider)s did not tell the portal your e-mail address, so you cannot log in with it. "
                "Please log in with your user name and password."
            )
            % {"provider": provider_name},
        )
    if not (portal["trust_email"] or _is_true(claims.get("email_verified"))):
        raise SsoRefused(
            "unverified e-mail address",
            _(
                "%(provider)s has not verified your e-mail address, so you cannot log in with it. "
                "Please log in with your user name and password."
            )
            % {"provider": provider_name},
        )
    matches = list(User.objects.select_related("organization").filter(email__iexact=email)[:2])
    if len(matches) > 1:
        raise SsoRefused(
            "e-mail address shared by several users",
            _(
                "More than one account in the portal has the e-mail address %(email)s, so single sign-on "
                "cannot tell which one is yours. Please ask the portal's administrators to correct it."
            )
            % {"email": email},
        )
    if matches:
        user = matches[0]
        _check_may_use(user, provider_name=provider_name, organization_id=portal["organization_id"])
        return user, False
    domain = email.rsplit("@", 1)[1].lower()
    if portal["organization_id"] is None and domain in portal["allowed_domains"]:
        return sso_user_create(email=email, claims=claims), True
    raise SsoRefused(
        "no account",
        _("There is no account in the portal for %(email)s. Please ask the portal's administrators to invite you.")
        % {"email": email},
    )


def _refuse(request, refused: SsoRefused, *, provider_id: str, identifier: str = ""):
    account_event_record(
        kind=AccountEventKind.SIGN_IN_FAILED,
        user=refused.user,
        request=request,
        identifier=identifier,
        detail=f"single sign-on ({provider_id}): {refused.reason}",
    )
    logger.info("single sign-on refused", extra={"provider": provider_id, "reason": refused.reason})
    messages.error(request, refused.message)
    raise ImmediateHttpResponse(HttpResponseRedirect(resolve_url(settings.LOGIN_URL)))


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's hooks for the portal's rules (module docstring)."""

    def pre_social_login(self, request, sociallogin):
        provider_id, provider_name, portal = _issuer_settings(sociallogin)
        claims = claims_of(sociallogin)
        identifier = str(claims.get("email") or sociallogin.account.uid)
        try:
            if sociallogin.state.get("process") not in (None, "login"):
                # Only signing in: connecting an issuer to a signed-in account is not offered.
                raise SsoRefused(
                    f"process {sociallogin.state.get('process')}",
                    _("Single sign-on can only be used to log in."),
                )
            if sociallogin.is_existing:
                # Connected before: the issuer's `sub` decides, whatever the address says today.
                _check_may_use(
                    User.objects.select_related("organization").get(pk=sociallogin.user.pk),
                    provider_name=provider_name,
                    organization_id=portal["organization_id"],
                )
                account_events.expect_single_sign_on(request, f"single sign-on ({provider_id})")
                return
            user, created = user_for_claims(claims=claims, provider_name=provider_name, portal=portal)
        except SsoRefused as refused:
            _refuse(request, refused, provider_id=provider_id, identifier=identifier)
        sociallogin.connect(request, user)
        how = "account created" if created else "connected"
        account_events.expect_single_sign_on(request, f"single sign-on ({provider_id}): {how}")

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        provider_id = getattr(getattr(provider, "app", None), "provider_id", "") or getattr(provider, "id", "")
        name = getattr(provider, "name", "") or "OpenID Connect"
        logger.warning(
            "single sign-on failed", extra={"provider": provider_id, "error": str(error)}, exc_info=exception
        )
        _refuse(
            request,
            SsoRefused(
                f"{error or 'error'}",
                _(
                    "Single sign-on with %(provider)s did not complete. Please try again, "
                    "or log in with your user name and password."
                )
                % {"provider": name},
            ),
            provider_id=provider_id,
        )

    def is_auto_signup_allowed(self, request, sociallogin):
        return False  # pre_social_login has either connected the person or refused them

    def is_open_for_signup(self, request, sociallogin):
        return False


# The second-factor step that honours OIDC_SATISFIES_MFA lives with the account adapter that lists it
# (partnerportal/accounts.py); named here too for the tests and readers of the SSO rules.
SsoAuthenticateStage = accounts.SsoAuthenticateStage
login_stages = accounts.login_stages


def _mark_sso_sign_in(sender, request, user, sociallogin=None, **kwargs):
    """allauth's sign-in signal: mark the session of a sign-in through an issuer. (The account event was
    written by Django's sign-in signal, as SSO_SIGNED_IN: pre_social_login said it comes from an issuer.)"""
    if sociallogin is None or request is None:
        return
    request.session[SESSION_KEY] = True


def _clear_sso_mark(sender, request, user, **kwargs):
    """Django's sign-in signal (every sign-in, sent before allauth's): a session starts unmarked."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_KEY, None)


def connect():
    """Listen to sign-ins (once per process: dispatch_uid); called by PartnersConfig.ready."""
    django_user_logged_in.connect(_clear_sso_mark, dispatch_uid="partners-sso-clear")
    allauth_user_logged_in.connect(_mark_sso_sign_in, dispatch_uid="partners-sso-mark")
