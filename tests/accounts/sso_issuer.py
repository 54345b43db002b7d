"""A real OpenID Connect issuer for the single sign-on tests: oidc-provider-mock (a Flask app) served by
werkzeug on 127.0.0.1 in a thread, and the portal's settings that point at it."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import oidc_provider_mock
import pytest
import requests
from werkzeug.serving import make_server

from partnerportal import sso

CLIENT_ID = "partner-portal"
CLIENT_SECRET = "portal-secret"
PROVIDER_NAME = "Test IdP"


@dataclass
class Issuer:
    url: str

    def set_claims(self, sub: str, **claims) -> None:
        """What the issuer says about `sub` (its e-mail address, whether it is verified, the name)."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str, *, deny: bool = False) -> str:
        """Submit the issuer's authorization form as `sub` (or deny); the redirect back to the portal."""
        assert authorize_url.startswith(self.url + "/oauth2/authorize"), authorize_url
        data = {"action": "deny"} if deny else {"sub": sub}
        response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@pytest.fixture(scope="module")
def issuer():
    """oidc-provider-mock on 127.0.0.1:<free port>, once per test module (the server binds port 0 itself: a port
    probed first and bound later could be taken in between by another test worker)."""
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on the loopback
    server = make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)  # the port the system gives
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Issuer(url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def sso_settings(issuer_url: str, *, allowed_domains="", partner_orgs=(), trust_email=False) -> dict:
    """The settings for single sign-on against `issuer_url`, built the way settings.py builds them."""
    from django.conf import settings

    issuers = [
        sso.host_issuer(
            issuer=issuer_url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            name=PROVIDER_NAME,
            allowed_domains=allowed_domains,
            trust_email=trust_email,
        ),
        *[
            sso.Issuer(
                provider_id=f"{sso.PARTNER_PROVIDER_PREFIX}{org.pk}",
                name=f"{org.name} sign-in",
                issuer=issuer_url,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                organization_id=org.pk,
            )
            for org in partner_orgs
        ],
    ]
    csp = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])}
    csp["DIRECTIVES"]["form-action"] = [*csp["DIRECTIVES"]["form-action"], *sso.form_action_origins(issuers)]
    return {"SOCIALACCOUNT_PROVIDERS": sso.socialaccount_providers(issuers), "CONTENT_SECURITY_POLICY": csp}


def portal_path(location: str) -> str:
    """The path and query of a redirect back to the test client's portal (http://testserver/…)."""
    parts = urlsplit(location)
    assert parts.netloc in ("", "testserver"), location
    return parts.path + (f"?{parts.query}" if parts.query else "")
