"""One parametrised test over (endpoint, role, own/other partner), fed by each app's registry."""

import importlib
import json
from pathlib import Path

import pytest
from django.views.generic.edit import ProcessFormView

from tests.access import Endpoint
from tests.conftest import ROLES, client_for

TESTS_DIR = Path(__file__).parent


def _collect() -> list[Endpoint]:
    endpoints = []
    for module_path in sorted(TESTS_DIR.glob("*/access.py")):
        module = importlib.import_module(f"tests.{module_path.parent.name}.access")
        endpoints.extend(module.ENDPOINTS)
    ids = [e.id for e in endpoints]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate endpoint ids: {duplicates}"
    return endpoints


ENDPOINTS = _collect()


def _request(client, endpoint, url, world, partner):
    data = endpoint.data(world, partner) if endpoint.data else None
    method = getattr(client, endpoint.method)
    headers = endpoint.extra.get("headers", {})  # e.g. {"HTTP_HX_REQUEST": "true"}: as htmx asks
    if endpoint.api and data is not None and not endpoint.extra.get("multipart"):
        return method(url, data=json.dumps(data), content_type="application/json", **headers)
    if data is not None:
        return method(url, data=data, **headers)
    return method(url, **headers)


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.id for e in ENDPOINTS])
def test_anonymous_is_refused(endpoint, world):
    url = endpoint.build(world, world.partner_a)
    response = _request(client_for(None), endpoint, url, world, world.partner_a)
    if endpoint.api:
        assert response.status_code == 401, url
    else:
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("side", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.id for e in ENDPOINTS])
def test_access_matrix(endpoint, role, side, world):
    if side == "other" and not endpoint.partner_scoped:
        pytest.skip("not about one partner's object")
    target = world.partner_a if side == "own" else world.partner_b
    user = world.user(role)  # partner users belong to partner A
    url = endpoint.build(world, target)
    response = _request(client_for(user), endpoint, url, world, target)
    status = response.status_code
    is_partner_user = role in ("partner_manager", "partner_viewer")

    if is_partner_user and side == "other":
        # Out of the user's reach: 404 whatever the role may do, so a guessed id tells nothing.
        assert status == 404, f"{role} must get 404 for another partner's object at {url}, got {status}"
    elif role not in endpoint.allowed:
        # Visible but not theirs to change: 403; not visible at all (internal, host-only): 404.
        assert status in (403, 404), f"{role} must not reach {url}, got {status}"
    else:
        assert status in endpoint.ok, f"{role} should reach {url}, got {status}"

    if is_partner_user and endpoint.marker and status in endpoint.ok:
        other_marker = endpoint.marker(world, world.partner_b)
        assert other_marker not in _body(response), f"{url} shows another partner's data to {role}"


# --- Completeness: every write of every app is in the matrix --------------------------------------

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})

# Writes that are not about any partner's data, so they have no place in a per-partner matrix.
# Each is covered by its own tests (tests/foundation/test_auth.py and test_security.py).
NOT_PER_PARTNER = {
    ("login", "post"),  # signing in: anonymous by nature
    ("logout", "post"),  # signing out: one's own session
    ("set_language", "post"),  # the language cookie / one's own preference
    ("password_change", "post"),  # one's own password (the old one is asked for)
    ("password_reset", "post"),  # anonymous: mails a link, says the same for any address
    ("password_reset_confirm", "post"),  # anonymous: the signed link is the credential
    ("partners:invitation_accept", "post"),  # anonymous: the invitation link is the credential (test_people.py)
    ("partners:invitation_ask_again", "post"),  # anonymous: from an expired link, asks its sender once
    # allauth's names for the same pages (its flows reverse them); the matrix resolves to the names above
    ("account_login", "post"),
    ("account_logout", "post"),
    ("account_change_password", "post"),
    ("account_reset_password", "post"),
    ("mfa_authenticate", "post"),  # the second step of signing in: anonymous, a pending sign-in's stage
    ("mfa_login_webauthn", "post"),  # signing in with a passkey: anonymous by nature
    ("mfa_trust", "post"),  # "trust this browser" after the second step of signing in (when enabled)
}
# Django's admin site is host staff's tool behind is_staff and Django's model permissions (see
# tests/*/test_admin.py); it is not part of the portal's per-partner access policy.
SKIPPED_NAMESPACES = ("admin:",)


def _url_patterns(resolver, prefix="", namespace=""):
    from django.urls import URLResolver

    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_patterns(pattern, prefix + str(pattern.pattern), inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else prefix + str(pattern.pattern)
            yield namespace, name, pattern.callback


def _reads_post(func, seen):
    """Does the function view (or a helper of its module that it calls) handle a POST?"""
    import inspect

    if func in seen:
        return False
    seen.add(func)
    if "POST" in inspect.getsource(func):
        return True
    for name in func.__code__.co_names:
        target = func.__globals__.get(name)
        if inspect.isfunction(target) and target.__module__ == func.__module__ and _reads_post(target, seen):
            return True
    return False


def _write_methods(callback) -> set:
    """The write methods a URL pattern's view accepts (DRF viewset actions, class views, functions)."""
    if hasattr(callback, "actions"):  # a DRF viewset route: method -> action, as the router bound it
        names = set(callback.cls.http_method_names)
        return {m for m in callback.actions if m in WRITE_METHODS and m in names}
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:  # a DRF APIView or a Django class-based view
        methods = {m for m in WRITE_METHODS if hasattr(view_class, m) and m in view_class.http_method_names}
        if getattr(view_class, "put", None) is ProcessFormView.put:
            # Django's form views pass a PUT to post() with an empty form (Django reads form data
            # for POST only), so it can change nothing: the POST entry is the write to check.
            methods.discard("put")
        return methods
    # A function view: decorators such as require_POST name the methods; otherwise it takes a POST
    # if it (or a helper it calls) reads one.
    func, allowed = callback, None
    while True:
        for free, cell in zip(func.__code__.co_freevars, func.__closure__ or (), strict=False):
            if free == "request_method_list":
                allowed = {m.lower() for m in cell.cell_contents}
        if not hasattr(func, "__wrapped__"):
            break
        func = func.__wrapped__
    if allowed is not None:
        return allowed & WRITE_METHODS
    return {"post"} if _reads_post(func, set()) else set()


def _write_routes() -> set:
    from django.urls import get_resolver

    routes = set()
    for namespace, name, callback in _url_patterns(get_resolver()):
        if namespace.startswith(SKIPPED_NAMESPACES):
            continue
        routes |= {(name, method) for method in _write_methods(callback)}
    return routes


def test_write_route_enumeration_sees_every_kind_of_view():
    """The enumeration itself: a viewset create, an @action, a PUT, a DELETE, a class view's POST, a
    require_POST function, a function that reads POST and one that only reads GET."""
    routes = _write_routes()
    for expected in [
        ("api:notice-list", "post"),
        ("api:notice-acknowledge", "post"),
        ("api:meeting-series-detail", "put"),
        ("api:agenda-topic-detail", "delete"),
        ("api:kpi-measurement-bulk", "post"),
        ("kpis:import", "post"),
        ("meetings:topic_delete", "post"),
        ("relations:engagement_create", "post"),
    ]:
        assert expected in routes
    assert not any(name == "relations:notice_list" for name, _ in routes)
    assert not any(name == "api:notice-detail" for name, _ in routes)


def test_every_write_is_in_the_matrix(world):
    """Every POST/PUT/PATCH/DELETE route of every app has an Endpoint with that method (or is listed
    above as not about a partner's data), so no write escapes the per-role, own/other checks."""
    from django.db import transaction
    from django.urls import resolve

    covered = set()
    for endpoint in ENDPOINTS:
        with transaction.atomic():
            url = endpoint.build(world, world.partner_a)
            transaction.set_rollback(True)
        match = resolve(url.split("?")[0])
        covered.add((match.view_name, endpoint.method))
    missing = sorted(_write_routes() - covered - NOT_PER_PARTNER)
    assert not missing, "writes missing from tests/<app>/access.py:\n" + "\n".join(f"{n} {m}" for n, m in missing)
