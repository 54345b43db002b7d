"""One parametrised test over (endpoint, role, own/other partner), fed by each app's registry."""

import importlib
import json
from pathlib import Path

import pytest

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
    if endpoint.api and data is not None:
        return method(url, data=json.dumps(data), content_type="application/json")
    if data is not None:
        return method(url, data=data)
    return method(url)


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
