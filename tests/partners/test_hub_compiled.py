"""The hub's compiled reads (issue 16; partnerportal.compiled) say what the ORM's reads say, for every
role and every state of the agreement, on the first call (the shape compiled) and after (reused)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements import selectors as agreement_selectors
from agreements import services as agreement_services
from agreements.models import VersionStatus
from partnerportal import policy
from tests.agreements import helpers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_shapes():
    agreement_selectors._HUB_VERSIONS.clear()
    yield
    agreement_selectors._HUB_VERSIONS.clear()


VERSION = ("pk", "agreement_id", "number", "status", "effective_from", "review_date", "summary")


def _shown(version):
    if version is None:
        return None
    return (*(getattr(version, name) for name in VERSION), bool(version.awaits_signature))


def _expected(user, partner):
    """The section's agreement, version in force and open version as partner_agreement_versions gives them."""
    agreement, versions = agreement_selectors.partner_agreement_versions(user=user, partner=partner)
    versions = [v for v in versions if v.status in (VersionStatus.ACTIVE, VersionStatus.DRAFT, VersionStatus.IN_REVIEW)]
    active = next((v for v in versions if v.status == VersionStatus.ACTIVE), None)
    open_version = next((v for v in versions if v.status != VersionStatus.ACTIVE), None)
    return (agreement.pk, agreement.title) if agreement else None, _shown(active), _shown(open_version)


def _readers(world):
    inactive = UserFactory(username="gone", organization=world.partner_a, role=policy.PARTNER_MANAGER)
    inactive.is_active = False
    inactive.save()
    return [world.admin, world.manager, world.a_manager, world.a_viewer, world.b_manager, world.b_viewer, inactive]


def _check(world, readers):
    for partner in (world.partner_a, world.partner_b):
        for user in readers:
            for _ in range(2):  # compiled, then reused
                with CaptureQueriesContext(connection) as queries:
                    agreement, active, open_version = agreement_selectors.hub_agreement(user=user, partner=partner)
                got = (agreement.pk, agreement.title) if agreement else None, _shown(active), _shown(open_version)
                assert got == _expected(user, partner), (user.username, partner.name)
                assert len(queries) <= 2
                if active or open_version:
                    assert len(queries) == 1
                    assert (active or open_version).agreement is agreement
                    assert (active or open_version).get_absolute_url()


def test_the_hub_agreement_is_the_orms_in_every_state_for_every_role(world):
    readers = _readers(world)
    _check(world, readers)  # no agreement
    helpers.draft(world, world.partner_a)
    helpers.agreement(world, world.partner_b)
    _check(world, readers)  # a draft (hidden from the partner), an agreement without versions
    version = helpers.in_review(world, world.partner_a)
    _check(world, readers)  # awaits both signatures
    agreement_services.version_sign(version=version, user=world.admin)
    _check(world, readers)  # awaits the partner's
    agreement_services.version_sign(version=version, user=world.a_manager)
    _check(world, readers)  # in force
    helpers.revision(world, world.partner_a)
    helpers.revision(world, world.partner_b, send=False)
    _check(world, readers)  # in force, with a version in review (a) or a draft (b) on top


def test_the_hub_agreement_shapes_are_compiled_not_fallen_back(world):
    helpers.in_review(world, world.partner_a)
    for user in _readers(world):
        agreement_selectors.hub_agreement(user=user, partner=world.partner_a)
    shapes = agreement_selectors._HUB_VERSIONS._shapes
    assert False not in shapes.values()
    assert {key[2] for key, shape in shapes.items() if shape} == set(policy.ALL_ROLES)


def _kpi_world(world):
    from datetime import date

    from kpis.models import PartnerKPI, Success
    from tests.kpis import helpers as kpi_helpers

    for partner in (world.partner_a, world.partner_b):
        kpi_helpers.setup_partner(partner)
        kpi_helpers.measure(partner, "error-rate", date(2025, 3, 3), numerator=3, denominator=400)
        error = PartnerKPI.objects.select_related("kpi").get(partner=partner, kpi__code="error-rate")
        for month in range(1, 8):
            day = date(2025, month, 1)
            Success.objects.create(
                partner=partner, kpi=error.kpi, partner_kpi=error, kind="record", period_start=day, value=month
            )
    PartnerKPI.objects.filter(partner=world.partner_a, kpi__code="error-rate").update(shared=False)  # hidden from a


@pytest.mark.parametrize(
    "compiled",
    [
        "agreements.selectors._HUB_VERSIONS",
        "kpis.selectors.successes._HUB_SUCCESSES",
        "kpis.selectors.scorecards._ASSIGNMENTS",
        "kpis.selectors.scorecards._ASSIGNMENTS_WITH_LATEST_DAY",
    ],
)
def test_every_compiled_hub_read_gives_the_orms_rows_for_every_reader(world, compiled):
    """Row for row, value for value (types too): what the ORM's queryset of the same selector gives."""
    from importlib import import_module

    module, name = compiled.rsplit(".", 1)
    read = getattr(import_module(module), name)
    read.clear()
    _kpi_world(world)
    helpers.revision(world, world.partner_a)
    for user in _readers(world):
        for partner in (world.partner_a, world.partner_b):
            ids = {"partner": partner.pk}
            key = (agreement_services.signing_party(user),) if "agreements" in module else ()
            expected = list(read.build(user=user, ids=ids, now=None))
            for _ in range(2):
                got = read.rows(user=user, ids=ids, key=key)
                assert [tuple(row) for row in got] == [tuple(row) for row in expected], (user.username, partner.name)
                assert [[type(v) for v in row] for row in got] == [[type(v) for v in row] for row in expected]
    assert False not in read._shapes.values()
    read.clear()
