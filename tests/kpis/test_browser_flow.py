"""One browser flow in real Chromium: a manager imports a CSV (upload → preview → confirm), then a partner
user logs in, opens the scorecard and sees the new values."""

import pytest

from partnerportal import policy
from tests.browser import log_in, new_page
from tests.factories import HostFactory, OrganizationFactory, UserFactory
from tests.kpis.helpers import setup_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_imports_csv_and_partner_sees_scorecard(live_server, tmp_path, browser):
    host = HostFactory()
    partner = OrganizationFactory(name="Alfa Logistik A/S")
    UserFactory(username="manager", organization=host, role=policy.MANAGER)
    UserFactory(username="partner", organization=partner, role=policy.PARTNER_MANAGER)
    setup_partner(partner)
    csv_file = tmp_path / "maaling.csv"
    csv_file.write_bytes(
        (
            "partner;kpi;period_kind;period_start;value;numerator;denominator;sample_size\n"
            f"{partner.pk};error-rate;month;2025-03-01;;3;400;\n"
            f"{partner.pk};delivery-time;month;2025-03-01;21,5;;;120\n"
        ).encode("cp1252")
    )
    page = log_in(new_page(browser), live_server.url, "manager")
    page.goto(f"{live_server.url}/kpis/import/")
    page.set_input_files("input[name=file]", str(csv_file))
    page.click("#upload-preview")
    page.wait_for_selector("#import-preview")
    assert page.locator("#import-preview tbody tr").count() == 2
    assert page.locator("#import-errors").count() == 0
    page.click("#confirm-import")
    page.wait_for_selector("#scorecard")
    assert "2 created" in page.content()
    page.context.close()

    page = log_in(new_page(browser), live_server.url, "partner")
    page.goto(f"{live_server.url}/kpis/partner/{partner.pk}/?granularity=month&day=2025-03-01")
    row = page.locator("#scorecard tr[data-kpi=error-rate]")
    assert row.locator(".kpi-actual").inner_text().strip() == "0.75"
    assert "status-on_target" in row.locator(".kpi-actual").get_attribute("class")
    delivery = page.locator("#scorecard tr[data-kpi=delivery-time] .kpi-actual").inner_text().strip()
    assert delivery == "21.5"
    assert page.locator("#scorecard tr[data-kpi=pallets-moved]").count() == 0  # internal KPI
    page.context.close()
