"""Walk every URL pattern of the project: anonymous requests go to the login page or get 401.

New pages are caught automatically; only the allow-list below may answer anonymously.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Patterns (regex on the path) that anonymous users may open.
ALLOW_LIST = [
    r"^/accounts/login/$",
    r"^/accounts/password/reset/",
    r"^/healthz$",
    r"^/metrics$",  # 401 with a Bearer challenge for the Prometheus scraper (tests/foundation/test_metrics.py)
    r"^/favicon\.ico$",  # the icon browsers ask for on their own (a redirect to the static file)
    r"^/static/",
    r"^/i18n/setlang/$",
    r"^/admin/",  # Django admin has its own login page
    r"^/meetings/feed/",  # private calendar feeds authenticate by their secret token
    r"^/$",  # redirects to login
    r"^/partners/join/",  # an invitation link: public by design, its token is the credential (test_people.py)
    # Single sign-on (OpenID Connect): the sign-in button's target and the issuer's redirect URI are
    # public by design; 404 for an issuer that is not configured (tests/accounts/test_sso.py).
    r"^/accounts/oidc/[^/]+/login/(callback/)?$",
]
SAMPLE_VALUES = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001", "path": "x"}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and "(?P<format>" not in str(entry.pattern):
            yield prefix + str(entry.pattern)


def _concrete(route):
    def replace(match):
        converter = match.group(1) or "str"
        return SAMPLE_VALUES.get(converter, "1")

    # regex-based patterns (DRF routers): named groups get a sample id, anchors go
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    path = re.sub(r"<(?:(\w+):)?\w+>", replace, path)
    path = path.replace("^", "").replace("$", "")
    return "/" + path.lstrip("/")


ROUTES = sorted({_concrete(r) for r in _walk(get_resolver().url_patterns)})


def test_walk_found_the_project_urls():
    assert "/partners/" in ROUTES
    assert "/api/partners/" in ROUTES
    assert len(ROUTES) > 20


@pytest.mark.django_db
@pytest.mark.parametrize("path", ROUTES)
def test_anonymous_request_needs_login(client, path):
    if any(re.search(pattern, path) for pattern in ALLOW_LIST):
        pytest.skip("allow-listed")
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if path.startswith("/api/"):
            assert response.status_code in (401, 404, 405), (method, path, response.status_code)
            assert response.status_code != 200
        else:
            assert response.status_code in (302, 404, 405), (method, path, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), (method, path)
