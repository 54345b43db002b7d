"""The account pages of issue 17 in the access matrix: two-factor sign-in (allauth.mfa), "Your sessions",
re-authentication and the account events of the audit log. Everyone manages their own second factors and
sessions (nothing in them is about a partner); only admins read the account events.

The matrix signs people in with force_login, so no password or second factor was proved in the session:
allauth's pages that change a second factor first ask to re-authenticate (302), and a page about an
authenticator the person does not have answers 404.
"""

from django.urls import reverse

from tests.access import EVERYONE, Endpoint

ADMIN = frozenset({"admin"})


def _get(name, url_name, ok=(200,), allowed=EVERYONE, suffix=""):
    return Endpoint(name, lambda w, p: reverse(url_name) + suffix, allowed=allowed, partner_scoped=False, ok=ok)


def _post(name, url_name, ok=(302,), data=None, args=None):
    return Endpoint(
        name,
        lambda w, p: reverse(url_name, args=args),
        partner_scoped=False,
        method="post",
        ok=ok,
        data=(lambda w, p: data) if data is not None else None,
    )


ENDPOINTS = [
    _get("mfa_index", "mfa_index"),
    _get("mfa_activate_totp", "mfa_activate_totp", ok=(302,)),
    _post("mfa_activate_totp-post", "mfa_activate_totp", data={"code": "000000"}),
    _get("mfa_deactivate_totp", "mfa_deactivate_totp", ok=(302, 404)),
    _post("mfa_deactivate_totp-post", "mfa_deactivate_totp", ok=(302, 404)),
    _get("mfa_view_recovery_codes", "mfa_view_recovery_codes", ok=(302, 404)),
    _get("mfa_generate_recovery_codes", "mfa_generate_recovery_codes", ok=(302,)),
    _post("mfa_generate_recovery_codes-post", "mfa_generate_recovery_codes"),
    _get("mfa_download_recovery_codes", "mfa_download_recovery_codes", ok=(302, 404)),
    _get("mfa_list_webauthn", "mfa_list_webauthn"),
    _get("mfa_add_webauthn", "mfa_add_webauthn", ok=(302,)),
    _post("mfa_add_webauthn-post", "mfa_add_webauthn", data={"name": "key"}),
    _post("mfa_edit_webauthn-post", "mfa_edit_webauthn", ok=(302, 404), data={"name": "key"}, args=[999999]),
    _post("mfa_remove_webauthn-post", "mfa_remove_webauthn", ok=(302, 404), args=[999999]),
    Endpoint(
        "mfa_remove_webauthn-delete",
        lambda w, p: reverse("mfa_remove_webauthn", args=[999999]),
        partner_scoped=False,
        method="delete",
        ok=(302, 404, 405),
    ),
    _get("mfa_reauthenticate", "mfa_reauthenticate", ok=(200, 302)),
    _post("mfa_reauthenticate-post", "mfa_reauthenticate", ok=(200, 302), data={"code": "000000"}),
    _post("mfa_reauthenticate_webauthn-post", "mfa_reauthenticate_webauthn", ok=(200, 302)),
    _get("account_reauthenticate", "account_reauthenticate"),
    _post("account_reauthenticate-post", "account_reauthenticate", ok=(200,), data={"password": "wrong-password"}),
    _get("usersessions_list", "usersessions_list"),
    _post("usersessions_list-post", "usersessions_list"),
    _get("audit_accounts", "audit_accounts", allowed=ADMIN),
    _get("audit_accounts:filtered", "audit_accounts", allowed=ADMIN, suffix="?kind=signed_in"),
]
