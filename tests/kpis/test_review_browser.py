"""In real Chromium, in Danish: a closed month's scorecard is proposed, the partner disputes a figure with a
file and their own measured value, the host corrects it, and the partner accepts the month (issue 18)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kpis import reviews
from kpis.models import KPIDefinition, ScorecardDispute, ScorecardReview
from kpis.standard import HOST_KPIS, STANDARD_KPIS
from partnerportal import policy
from tests.browser import log_in, new_page
from tests.factories import HostFactory, OrganizationFactory, UserFactory
from tests.kpis.helpers import measure, setup_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _standard_kpis():
    for spec in STANDARD_KPIS + HOST_KPIS:
        fields = {k: v for k, v in spec.items() if k != "code"}
        KPIDefinition.objects.update_or_create(code=spec["code"], defaults={**fields, "is_standard": True})


def test_a_month_is_proposed_disputed_corrected_and_accepted(live_server, browser, tmp_path):
    _standard_kpis()
    host = HostFactory()
    partner = OrganizationFactory(name="Alfa Logistik A/S")
    UserFactory(username="lager", organization=host, role=policy.MANAGER, language="da")
    UserFactory(username="partner", organization=partner, role=policy.PARTNER_MANAGER, language="da")
    error, _delivery, _internal = setup_partner(partner)
    month = reviews.last_closed_month(timezone.localdate())
    measurement = measure(partner, "error-rate", month + timedelta(days=4), numerator=2, denominator=400)
    assert reviews.propose_closed_month() == 1
    review = ScorecardReview.objects.get(partner=partner)
    scorecard = f"{live_server.url}/kpis/partner/{partner.pk}/?granularity=month&day={month:%Y-%m-%d}"
    evidence = tmp_path / "vores-optaelling.csv"
    evidence.write_text("dag;fejl\n5;1\n", encoding="utf-8")

    # The partner sees the proposed month and disputes the error rate with a file and their own figure.
    partner_page = log_in(new_page(browser), live_server.url, "partner")
    partner_page.goto(scorecard)
    assert partner_page.locator("#review-state").inner_text().strip() == "Foreslået"
    with partner_page.expect_navigation():
        partner_page.click("#review-dispute")
    assert "Gør indsigelse mod et tal" in partner_page.locator("h1").inner_text()
    partner_page.select_option("select[name=partner_kpi]", value=str(error.pk))
    partner_page.fill("textarea[name=reason]", "Vores scanninger viser kun én fejl i måneden.")
    partner_page.fill("input[name=measured_value]", "1")
    partner_page.set_input_files("input[name=evidence]", str(evidence))
    with partner_page.expect_navigation():
        partner_page.click("main form button[type=submit]")
    dispute = ScorecardDispute.objects.get()
    assert partner_page.url.endswith(f"/kpis/dispute/{dispute.pk}/"), partner_page.locator(
        ".invalid-feedback"
    ).all_inner_texts()
    assert partner_page.locator("#dispute-state").inner_text().strip() == "Åben"
    assert partner_page.locator("#figure-before").inner_text().strip() == "0,50"
    assert partner_page.locator("#evidence-file").inner_text().strip() == "vores-optaelling.csv"
    partner_page.goto(scorecard)
    assert partner_page.locator("#review-state").inner_text().strip() == "Bestridt"
    assert partner_page.locator("#review-accept").count() == 0  # not while a dispute is open

    # The host corrects the figure: one of the month's values, through the measurement path.
    host_page = log_in(new_page(browser), live_server.url, "lager")
    host_page.goto(f"{live_server.url}/kpis/reviews/")
    assert "Alfa Logistik A/S" in host_page.locator("#review-list").inner_text()
    host_page.goto(f"{live_server.url}/kpis/dispute/{dispute.pk}/")
    assert "Besvar indsigelsen" in host_page.locator("main").inner_text()
    host_page.check("input[name=outcome][value=correct]")
    host_page.select_option("select[name=measurement]", value=str(measurement.pk))
    host_page.fill("input[name=numerator]", "1")
    host_page.fill("input[name=denominator]", "400")
    host_page.fill("textarea[name=answer]", "En dobbeltscanning er fjernet.")
    with host_page.expect_navigation():
        host_page.click("#dispute-answer-form button[type=submit]")
    assert host_page.locator("#dispute-state").inner_text().strip() == "Rettet", host_page.locator(
        ".invalid-feedback"
    ).all_inner_texts()
    assert host_page.locator("#figure-after").inner_text().strip() == "0,25"
    history = host_page.locator("#dispute-history").inner_text()
    assert "Tal rettet" in history and "0,50 → 0,25" in history  # the earlier figure is kept
    host_page.context.close()

    # The partner sees the answer and the corrected figure, and accepts the month.
    partner_page.goto(f"{live_server.url}/kpis/dispute/{dispute.pk}/")
    assert "En dobbeltscanning er fjernet." in partner_page.locator("#dispute-answer").inner_text()
    partner_page.goto(scorecard)
    assert partner_page.locator("tr[data-kpi=error-rate] .kpi-actual").inner_text().strip() == "0,25"
    assert partner_page.locator("#review-state").inner_text().strip() == "Foreslået"
    with partner_page.expect_navigation():
        partner_page.click("#review-accept")
    assert partner_page.locator("#review-state").inner_text().strip() == "Endelig"
    assert "Accepteret af" in partner_page.locator("#scorecard-review").inner_text()
    review.refresh_from_db()
    assert review.state == "final"
    partner_page.context.close()
