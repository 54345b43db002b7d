"""The benchmarks build their world on the portal's migrated database; a change to the standard data must
not break them unseen (the migrations' standard KPIs about the host once did: KeyError in create_world)."""

import pytest

from bench import kpis_bench
from kpis.models import KPITarget, PartnerKPI, Subject

pytestmark = pytest.mark.django_db


def test_the_kpi_bench_world_is_built_on_the_migrated_standard_kpis():
    _manager, partners, kpis = kpis_bench.create_world(3)
    assert len(partners) == 3
    assert len(kpis) == 6 and all(kpi.subject == Subject.PARTNER for kpi in kpis), kpis
    assert PartnerKPI.objects.filter(partner__in=partners).count() == 18
    assert KPITarget.objects.filter(partner_id__in=[p.pk for p in partners]).count() == 18
