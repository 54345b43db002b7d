"""One browser flow in real Chromium: a manager schedules a monthly review, the partner adds a topic,
the manager opens the agenda with the KPI results, records minutes and an action for the partner,
who sees it in their list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import agenda
from meetings.models import ActionItem, Meeting, MeetingSeries
from partnerportal import policy
from tests.browser import csp_errors, log_in, new_page
from tests.factories import HostFactory, OrganizationFactory, UserFactory
from tests.kpis.helpers import measure, setup_partner
from tests.meetings.helpers import ensure_standard_kpis

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser, live_server, username):
    page = new_page(browser)
    # CSP violations, script errors and failed requests of the page (not the browser's favicon probe).
    errors = csp_errors(page)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    log_in(page, live_server.url, username)
    return page, page.context, errors


def test_monthly_review_flow(live_server, browser):
    host = HostFactory()
    partner = OrganizationFactory(name="Alfa Logistik A/S")
    manager = UserFactory(username="manager", first_name="Mette", organization=host, role=policy.MANAGER)
    partner_user = UserFactory(
        username="partner", first_name="Palle", organization=partner, role=policy.PARTNER_MANAGER
    )
    ensure_standard_kpis()
    setup_partner(partner)

    # 1. The manager schedules a monthly review (first Tuesday, 09:00) from the meetings page.
    page, context, errors = _login(browser, live_server, "manager")
    page.goto(f"{live_server.url}/meetings/")
    page.click("#schedule-series")
    page.select_option("select[name=partner]", str(partner.pk))
    page.fill("input[name=title]", "Monthly operations review")
    page.select_option("select[name=pattern]", "monthly_weekday")
    page.select_option("select[name=ordinal]", "1")
    page.select_option("select[name=weekday]", "TU")
    assert page.locator("input[name=day]").is_hidden()  # only the fields the rule needs
    page.fill("input[name=start_time]", "09:00")
    page.check(f"input[name=participants][value='{manager.pk}']")
    page.check(f"input[name=participants][value='{partner_user.pk}']")
    page.click("#series-form [type=submit]")
    page.wait_for_selector("text=The meeting series was scheduled.")
    series = MeetingSeries.objects.get()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=1TU"
    meeting = series.meetings.order_by("start").first()
    assert "09:00" in page.inner_text("#series-upcoming")
    assert not errors, errors
    context.close()

    # KPI data for the period the first agenda covers.
    day = agenda.kpi_period(meeting)[1]
    measure(partner, "error-rate", day, numerator=21, denominator=1000)

    # 2. The partner adds a topic (htmx, no page reload).
    page, context, errors = _login(browser, live_server, "partner")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    page.fill("#topic-form input[name=title]", "Dock 4 congestion in the mornings")
    page.click("#add-topic")
    page.wait_for_selector("#topic-list >> text=Dock 4 congestion in the mornings")
    assert not errors, errors
    context.close()

    # 3. The manager opens the agenda: KPI results, the partner's topic; records minutes and an action.
    page, context, errors = _login(browser, live_server, "manager")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    error_row = page.locator("#agenda-kpis tr[data-code=error-rate]")
    assert "2.10" in error_row.inner_text()
    assert "warning" in error_row.inner_text()
    assert "Dock 4 congestion" in page.inner_text("#agenda-topics")
    # The meeting takes place (minutes can only be published once it has started).
    Meeting.objects.filter(pk=meeting.pk).update(
        start=timezone.now() - timedelta(hours=1), end=timezone.now() - timedelta(minutes=5)
    )
    page.reload()
    page.click("#record-minutes")
    page.fill("textarea[name=minutes]", "Went through the error rate; dock 4 to be re-planned.")
    page.fill("textarea[name=decisions]", "Extra morning shift on dock 4.")
    page.check(f"input[name=present][value='{partner_user.pk}']")
    page.click("#publish-minutes")
    page.wait_for_selector("text=The minutes were published.")
    held = Meeting.objects.get(pk=meeting.pk)
    assert held.status == "held" and held.agenda_snapshot  # the figures discussed are kept
    page.fill("#action-form input[name=action-title]", "Re-plan dock 4 slots")
    page.select_option("#action-form select[name=action-owner]", str(partner_user.pk))
    page.fill("#action-form input[name=action-due_date]", (meeting.start.date() + timedelta(days=14)).isoformat())
    page.click("#add-action")
    page.wait_for_selector("text=The action item was added.")
    assert ActionItem.objects.get().owner == partner_user
    assert not errors, errors
    context.close()

    # 4. The partner sees the action in their list and the published minutes.
    page, context, errors = _login(browser, live_server, "partner")
    page.goto(f"{live_server.url}/meetings/actions/mine/")
    assert "Re-plan dock 4 slots" in page.inner_text("#action-table")
    page.click("#action-table >> text=Re-plan dock 4 slots")
    page.select_option("select[name=status]", "in_progress")
    page.click("#status-form [type=submit]")
    page.wait_for_selector("#action-status >> text=In progress")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    assert "Extra morning shift on dock 4." in page.inner_text("#decisions")
    assert not errors, errors
    context.close()
