"""A client generated from /api/schema/ with openapi-python-client imports and works.

The generator runs as a subprocess on the schema JSON into a temporary directory (no network; it
formats its output with ruff from the virtualenv). Every generated module must import, and the
client must post a bulk of measurements and read a scorecard with a token against a live server.
"""

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from kpis.models import Measurement, PartnerKPI
from tests.conftest import client_for
from tests.kpis.helpers import internal_kpi

PACKAGE = "portal_api_client"


@pytest.fixture
def generated_client(world, tmp_path, monkeypatch):
    """Generate the client package from the schema and put it on sys.path."""
    response = client_for(world.admin).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(response.json()))
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(schema_file),
            "--output-path",
            str(tmp_path / "out" / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output, output  # pieces of the schema the generator had to skip
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    yield importlib.import_module(PACKAGE)
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_every_generated_module_imports(generated_client):
    failures, count = [], 0
    for module in pkgutil.walk_packages(generated_client.__path__, PACKAGE + "."):
        count += 1
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # noqa: BLE001 - collect them all for the message
            failures.append(f"{module.name}: {exc!r}")
    assert count > 200, count  # one module per operation and per model
    assert not failures, "\n".join(failures)


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_posts_measurements_and_reads_a_scorecard(world, generated_client, live_server):
    kpi = internal_kpi()  # created here: a transactional test cannot count on migration data
    PartnerKPI.objects.create(partner=world.partner_a, kpi=kpi, shared=True, partner_can_submit=True)
    token = Token.objects.create(user=world.manager).key

    from portal_api_client import AuthenticatedClient
    from portal_api_client.api.kpis import kpis_measurements_bulk_create, kpis_scorecard_retrieve
    from portal_api_client.models import BulkItemRequest, BulkRequest, BulkResult, Error, Scorecard

    client = AuthenticatedClient(base_url=live_server.url, token=token, prefix="Token")
    day = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)  # last month: not in the future
    body = BulkRequest(
        measurements=[
            BulkItemRequest(partner=str(world.partner_a.pk), kpi=kpi.code, period_start=day.isoformat(), value=120),
            BulkItemRequest(
                partner=str(world.partner_a.pk), kpi=kpi.code, period_start=day.replace(day=2).isoformat(), value=80
            ),
        ]
    )
    with client as http:
        posted = kpis_measurements_bulk_create.sync_detailed(client=http, body=body)
        assert posted.status_code == 200, posted.content
        assert isinstance(posted.parsed, BulkResult)
        assert (posted.parsed.created, posted.parsed.updated, posted.parsed.unchanged) == (2, 0, 0)

        card = kpis_scorecard_retrieve.sync(world.partner_a.pk, client=http, day=day)
        assert isinstance(card, Scorecard), card
        assert card.partner == world.partner_a.pk
        (result,) = [r for r in card.results if r.code == kpi.code]
        assert result.actual == 200  # pallets moved: a sum over the month

        # An error answers the documented error model, not an exception in the client.
        missing = kpis_scorecard_retrieve.sync_detailed(999_999_999, client=http)
        assert missing.status_code == 404 and isinstance(missing.parsed, Error)
    assert Measurement.objects.filter(partner=world.partner_a, kpi=kpi).count() == 2

    anonymous = AuthenticatedClient(base_url=live_server.url, token="wrong", prefix="Token")
    with anonymous as http:
        refused = kpis_scorecard_retrieve.sync_detailed(world.partner_a.pk, client=http)
    assert refused.status_code == 401 and isinstance(refused.parsed, Error)
