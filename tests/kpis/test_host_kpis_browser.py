"""In real Chromium, in Danish: a partner manager submits a value of a KPI about the host and sees it under
"Sådan klarer vi os" on the scorecard (issue 18)."""

import pytest

from kpis.models import KPIDefinition
from kpis.standard import HOST_KPIS, STANDARD_KPIS
from partnerportal import policy
from tests.browser import log_in, new_page
from tests.factories import HostFactory, OrganizationFactory, UserFactory
from tests.kpis.helpers import assign, setup_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _standard_kpis():
    """A transactional test's database may have been flushed: the standard KPIs back, as the migrations made them."""
    for spec in STANDARD_KPIS + HOST_KPIS:
        fields = {k: v for k, v in spec.items() if k != "code"}
        KPIDefinition.objects.update_or_create(code=spec["code"], defaults={**fields, "is_standard": True})


def test_a_partner_submits_a_host_kpi_value_and_sees_it_under_how_we_do(live_server, browser):
    _standard_kpis()
    host = HostFactory()
    partner = OrganizationFactory(name="Alfa Logistik A/S")
    UserFactory(username="lager", organization=host, role=policy.MANAGER, language="da")
    UserFactory(username="partner", organization=partner, role=policy.PARTNER_MANAGER, language="da")
    setup_partner(partner)
    assign(partner, "forecast-accuracy", target=90, warning=85, critical=75)

    page = log_in(new_page(browser), live_server.url, "partner")
    page.goto(f"{live_server.url}/kpis/partner/{partner.pk}/measurements/new/")
    page.select_option("select[name=kpi]", label="Prognosenøjagtighed")
    page.select_option("select[name=period_kind]", value="month")
    page.fill("input[name=period_start]", "2025-03-01")
    page.fill("input[name=numerator]", "46")
    page.fill("input[name=denominator]", "50")
    with page.expect_navigation():  # the answer to the POST, not the form page's own load state
        page.click("main form button[type=submit]")
    assert "/measurements/new/" not in page.url, page.locator(".invalid-feedback").all_inner_texts()

    page.goto(f"{live_server.url}/kpis/partner/{partner.pk}/?granularity=month&day=2025-03-01")
    host_half = page.locator("#scorecard-host")
    assert "Sådan klarer vi os" in host_half.locator("h2").inner_text()
    assert "Sådan klarer partneren sig" in page.locator("#scorecard-partner h2").inner_text()
    actual = host_half.locator("tr[data-kpi=forecast-accuracy] .kpi-actual")
    assert actual.inner_text().strip() == "92,0"
    assert "status-on_target" in actual.get_attribute("class")
    assert page.locator("#scorecard-partner tr[data-kpi=forecast-accuracy]").count() == 0
    assert host_half.locator(".half-overall").inner_text().strip() == "100 %"
    page.context.close()
