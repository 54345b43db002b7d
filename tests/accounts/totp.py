"""A TOTP code computed in the test (RFC 6238: HMAC-SHA1 over the 30-second counter, 6 digits), as an
authenticator app would, without any library's help."""

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret: str, *, offset: int = 0, period: int = 30, digits: int = 6) -> str:
    counter = int(time.time()) // period + offset
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    start = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[start : start + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{value:0{digits}d}"


def wrong_code(secret: str) -> str:
    """A code the server refuses now: none of the steps it accepts (MFA_TOTP_TOLERANCE = 1: the step
    before, this one and the next)."""
    accepted = {totp_code(secret, offset=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def add_totp(user) -> str:
    """Give `user` an authenticator app (as allauth stores it); returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def signed_in_with_second_factor(user):
    """A test client signed in as `user` through the login form and an authenticator app's code, as a
    person does (for what needs a session that passed the second factor, e.g. creating an API token)."""
    from django.test import Client

    from tests.factories import PASSWORD

    secret = add_totp(user)
    client = Client()
    response = client.post("/accounts/login/", {"username": user.get_username(), "password": PASSWORD})
    assert response.status_code == 302, response
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response
    return client
