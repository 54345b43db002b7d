import io
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from kpis import demo as kpis_demo
from kpis.models import KPITarget, Measurement, MonthlyRollup, PartnerKPI, Success
from kpis.selectors import kpi_chart
from partnerportal.management.commands.seed_demo import Demo

pytestmark = pytest.mark.django_db

MODELS = [PartnerKPI, KPITarget, Measurement, MonthlyRollup, Success]


def _seed():
    from partners import demo as partners_demo

    demo = Demo(stdout=io.StringIO())
    partners_demo.seed(demo)
    kpis_demo.seed(demo)
    return demo


def test_demo_improves_has_one_bad_month_and_is_idempotent(client_as):
    demo = _seed()
    counts = {m.__name__: m.objects.count() for m in MODELS}
    assert counts["Measurement"] == 4 * 4 * kpis_demo.WEEKS
    _seed()
    assert {m.__name__: m.objects.count() for m in MODELS} == counts
    danlog = demo.objects["partners"][0]
    error = PartnerKPI.objects.get(partner=danlog, kpi__code="error-rate")
    rows = [r for r in kpi_chart(partner_kpi=error, granularity="month")["rows"] if r["actual"] is not None]
    assert rows[-1]["actual"] < rows[1]["actual"]  # a visible improvement
    bad = (timezone.localdate() - relativedelta(months=8)).replace(day=1)
    statuses = {r["start"]: r["status"] for r in rows}
    assert statuses[bad.isoformat()] == "critical"
    assert sum(s == "critical" for s in statuses.values()) == 1
    page = client_as(demo.objects["users"]["danlog"]).get(reverse("kpis:scorecard", args=[danlog.pk]))
    assert page.status_code == 200 and len(page.context["card"].results) == 4
    assert Success.objects.filter(partner=danlog).exists()
    assert date.today() > bad


def test_admin_adds_a_custom_kpi(world, client_as):
    response = client_as(world.admin).post(
        reverse("kpis:definition_create"),
        {
            "code": "dock-to-stock",
            "name": "Dock to stock",
            "unit": "hours",
            "direction": "lower",
            "aggregation": "weighted_average",
            "scale": "1",
            "decimals": "1",
            "how_measured": "Hours from arrival at the dock until the goods are on the shelf.",
            "why_it_matters": "Goods on the dock cannot be sold.",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    from kpis.models import KPIDefinition

    assert KPIDefinition.objects.get(code="dock-to-stock").aggregation == "weighted_average"
    refused = client_as(world.manager).post(reverse("kpis:definition_create"), {"code": "x"})
    assert refused.status_code == 403
