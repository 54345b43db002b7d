"""Chart ticks follow the page's language, in real Chromium: the KPI chart's month ticks, its tooltip
title and its value ticks are Danish on a Danish page and English on an English one."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from partnerportal import policy
from tests.browser import log_in, new_page
from tests.factories import HostFactory, OrganizationFactory, UserFactory
from tests.kpis.helpers import measure, setup_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TICKS = """() => {
  const chart = Chart.getChart(document.getElementById('kpi-chart'));
  const x = chart.scales.x, y = chart.scales.y;
  const index = chart.data.labels.length - 1;
  const title = chart.options.plugins.tooltip.callbacks.title([{dataIndex: index}]);
  return {x: chart.data.labels, shown: x.ticks.map(t => x.getLabelForValue(t.value)),
          y: y.ticks.map(t => t.label), title, locale: chart.options.locale};
}"""


def test_chart_ticks_follow_the_page_language(live_server, browser):
    host = HostFactory()
    partner = OrganizationFactory(name="Alfa Logistik A/S")
    user = UserFactory(username="manager", organization=host, role=policy.MANAGER, language="da")
    error, _delivery, _internal = setup_partner(partner)
    for month in (1, 2, 3):
        for d in range(3):
            measure(partner, "error-rate", date(2025, month, 1) + timedelta(days=d), numerator=1 + d, denominator=400)
    page = log_in(new_page(browser), live_server.url, "manager")
    seen = {}
    for language in ("da", "en"):
        user.language = language
        user.save(update_fields=["language"])
        page.goto(live_server.url + reverse("kpis:chart", args=[error.pk]) + "?granularity=month")
        page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('kpi-chart'))")
        assert page.evaluate("document.documentElement.lang") == language
        seen[language] = page.evaluate(TICKS)
    da, en = seen["da"], seen["en"]
    assert da["locale"] == "da" and en["locale"] == "en"
    assert "mar. 2025" in da["x"] and "feb. 2025" in da["x"], da["x"]
    assert "Mar 2025" in en["x"] and "Feb 2025" in en["x"], en["x"]
    assert not any("-" in label for label in da["shown"] + en["shown"]), "ISO labels on the axis"
    assert da["title"] == "marts 2025" and en["title"] == "March 2025"
    # Value ticks use the language's decimal sign (the error rate runs from 0.25 to 0.75 %).
    assert any("," in label for label in da["y"]) and not any("." in label for label in da["y"]), da["y"]
    assert any("." in label for label in en["y"]) and not any("," in label for label in en["y"]), en["y"]
