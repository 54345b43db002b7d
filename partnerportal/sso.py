"""Single sign-on through OpenID Connect: the configuration (read from the environment by
partnerportal/settings.py) and the small helpers the sign-in pages ask.

The issuers are django-allauth's `openid_connect` apps, declared in SOCIALACCOUNT_PROVIDERS (no
SocialApp rows in the database). The host's issuer has the provider id "host"; a partner
organisation configured with its own issuer has "partner-<organisation id>". allauth answers
at /accounts/oidc/<provider id>/login/ and its redirect URI is
/accounts/oidc/<provider id>/login/callback/. Who an issuer's person becomes in the portal is
decided by partners/sso.py (the adapter).

Nothing here imports a model: settings.py calls `socialaccount_providers()` while it is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HOST_PROVIDER_ID = "host"
PARTNER_PROVIDER_PREFIX = "partner-"
PROVIDER = "openid_connect"


class SsoConfigError(ValueError):
    """A single sign-on setting that cannot be used (settings.py turns it into ImproperlyConfigured)."""


@dataclass(frozen=True)
class Issuer:
    """One OpenID Connect issuer the portal trusts, and whose people it signs in."""

    provider_id: str
    name: str
    issuer: str
    client_id: str
    client_secret: str = ""
    organization_id: int | None = None  # None: the host's issuer
    allowed_domains: tuple[str, ...] = ()
    trust_email: bool = False
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def for_host(self) -> bool:
        return self.organization_id is None

    def app(self) -> dict:
        """The entry of SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] for this issuer."""
        return {
            "provider_id": self.provider_id,
            "name": self.name,
            "client_id": self.client_id,
            "secret": self.client_secret,
            "settings": {
                "server_url": self.issuer,
                "scope": list(self.scopes),
                # Read by partners/sso.py: who may be signed in through this issuer.
                "portal": {
                    "organization_id": self.organization_id,
                    "allowed_domains": list(self.allowed_domains),
                    "trust_email": self.trust_email,
                },
                **self.extra,
            },
        }


def _domains(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    return tuple(sorted({item.strip().lower().lstrip("@") for item in value or () if item.strip()}))


def _check_issuer_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise SsoConfigError(f"{what} must be the issuer's URL (https://…), not {url!r}.")
    return url.rstrip("/")


def host_issuer(
    *, issuer: str, client_id: str, client_secret: str = "", name: str = "", allowed_domains="", trust_email=False
) -> Issuer | None:
    """The host's issuer from the OIDC_* settings; None when OIDC_ISSUER is empty (single sign-on off)."""
    if not issuer:
        return None
    if not client_id:
        raise SsoConfigError("OIDC_CLIENT_ID must be set when OIDC_ISSUER is.")
    return Issuer(
        provider_id=HOST_PROVIDER_ID,
        name=name or "OpenID Connect",
        issuer=_check_issuer_url(issuer, "OIDC_ISSUER"),
        client_id=client_id,
        client_secret=client_secret,
        allowed_domains=_domains(allowed_domains),
        trust_email=bool(trust_email),
    )


def partner_issuers(raw: str) -> list[Issuer]:
    """The partner organisations' own issuers from OIDC_PARTNER_ISSUERS, a JSON object:
    {"<organisation id>": {"issuer": "https://…", "client_id": "…", "client_secret": "…", "name": "…"}}."""
    if not raw or not raw.strip():
        return []
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise SsoConfigError(f"OIDC_PARTNER_ISSUERS is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise SsoConfigError("OIDC_PARTNER_ISSUERS must be a JSON object: organisation id → issuer settings.")
    issuers = []
    for key, entry in data.items():
        try:
            organization_id = int(key)
        except (TypeError, ValueError):
            raise SsoConfigError(f"OIDC_PARTNER_ISSUERS: {key!r} is not an organisation id.") from None
        if not isinstance(entry, dict) or not entry.get("issuer") or not entry.get("client_id"):
            raise SsoConfigError(f"OIDC_PARTNER_ISSUERS[{key!r}] needs at least an issuer and a client_id.")
        issuers.append(
            Issuer(
                provider_id=f"{PARTNER_PROVIDER_PREFIX}{organization_id}",
                name=str(entry.get("name") or "OpenID Connect"),
                issuer=_check_issuer_url(entry["issuer"], f"OIDC_PARTNER_ISSUERS[{key!r}].issuer"),
                client_id=str(entry["client_id"]),
                client_secret=str(entry.get("client_secret", "")),
                organization_id=organization_id,
                trust_email=bool(entry.get("trust_email", False)),
            )
        )
    return issuers


def socialaccount_providers(issuers) -> dict:
    """SOCIALACCOUNT_PROVIDERS for these issuers (an empty dict when there are none)."""
    issuers = [issuer for issuer in issuers if issuer is not None]
    if not issuers:
        return {}
    return {PROVIDER: {"APPS": [issuer.app() for issuer in issuers], "OAUTH_PKCE_ENABLED": True}}


def form_action_origins(issuers) -> list[str]:
    """The issuers' origins: the sign-in button's form is answered by a redirect there, and browsers
    hold that redirect to the page's Content-Security-Policy form-action."""
    origins = []
    for issuer in issuers:
        if issuer is None:
            continue
        parts = urlsplit(issuer.issuer)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins


# --- Helpers for the pages (they read the settings, so override_settings works in tests) -------------


def _apps() -> list[dict]:
    from django.conf import settings

    providers = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}) or {}
    return list((providers.get(PROVIDER) or {}).get("APPS") or [])


def _app(provider_id: str) -> dict | None:
    return next((app for app in _apps() if app.get("provider_id") == provider_id), None)


@dataclass(frozen=True)
class SignInOption:
    provider_id: str
    name: str

    @property
    def login_url(self) -> str:
        from django.urls import reverse

        return reverse("openid_connect_login", kwargs={"provider_id": self.provider_id})


def _option(app: dict | None) -> SignInOption | None:
    return SignInOption(provider_id=app["provider_id"], name=app.get("name") or "OpenID Connect") if app else None


def host_sign_in() -> SignInOption | None:
    """The host's single sign-on (the button on the login page), or None when it is not configured."""
    return _option(_app(HOST_PROVIDER_ID))


def sso_available_for(organization) -> SignInOption | None:
    """How the people of `organization` sign in with single sign-on, or None when they cannot:
    the host's issuer for the host, the organisation's own issuer for a partner configured with one
    (e.g. for accepting an invitation with single sign-on instead of a password)."""
    if organization is None:
        return None
    if getattr(organization, "is_host", False):
        return host_sign_in()
    return _option(_app(f"{PARTNER_PROVIDER_PREFIX}{organization.pk}"))


def portal_settings_of(app_settings: dict) -> dict:
    """The portal's own part of an issuer's allauth settings (see Issuer.app)."""
    portal = (app_settings or {}).get("portal") or {}
    return {
        "organization_id": portal.get("organization_id"),
        "allowed_domains": tuple(portal.get("allowed_domains") or ()),
        "trust_email": bool(portal.get("trust_email")),
    }


SESSION_KEY = "pp_sso"


def signed_in_with_sso(request) -> bool:
    """Whether this session was signed in through single sign-on."""
    return bool(getattr(request, "session", {}).get(SESSION_KEY))


def sso_satisfies_mfa(request) -> bool:
    """Whether this session's sign-in counts as the second factor: signed in through single sign-on
    while OIDC_SATISFIES_MFA is on (the issuer asked for its own second factor)."""
    from django.conf import settings

    return bool(getattr(settings, "OIDC_SATISFIES_MFA", True)) and signed_in_with_sso(request)
