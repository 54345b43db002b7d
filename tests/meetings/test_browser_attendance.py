"""In Chromium and in Danish: a manager picks a series' participants and a meeting's attendees by
ticking named checkboxes (no Ctrl-click multi-select), sees the recurrence in words, and is told when
the first date given lay in the past."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from meetings.models import Attendance, Meeting, MeetingSeries
from partnerportal import policy
from tests.browser import log_in, new_page
from tests.factories import HostFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_danish_manager_chooses_participants_and_attendees_with_checkboxes(live_server, browser):
    host = HostFactory()
    partner = OrganizationFactory(name="Alfa Logistik A/S")
    UserFactory(
        username="manager", first_name="Mette", last_name="Holm", organization=host, role=policy.MANAGER, language="da"
    )
    palle = UserFactory(
        username="palle",
        first_name="Palle",
        last_name="Berg",
        organization=partner,
        role=policy.PARTNER_MANAGER,
        language="da",
    )
    sofie = UserFactory(
        username="sofie",
        first_name="Sofie",
        last_name="Dahl",
        organization=partner,
        role=policy.PARTNER_MANAGER,
        language="da",
    )

    page = new_page(browser, timeout=20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    log_in(page, live_server.url, "manager")

    # Schedule a series: the rule from choices, the people by their names, a first date 40 days ago.
    page.goto(f"{live_server.url}/meetings/series/new/?partner={partner.pk}")
    assert page.locator("html").get_attribute("lang") == "da"
    page.fill("input[name=title]", "Driftsmøde")
    page.select_option("select[name=pattern]", "monthly_weekday")
    page.select_option("select[name=ordinal]", "1")
    page.select_option("select[name=weekday]", "TU")
    assert page.locator("select[name=participants]").count() == 0
    people = page.get_by_role("group", name="Deltagere")
    people.get_by_role("checkbox", name="Palle Berg (Alfa Logistik A/S)").check()
    people.get_by_role("checkbox", name="Mette Holm").first.check()
    page.fill("input[name=first_date]", (timezone.localdate() - timedelta(days=40)).isoformat())
    page.fill("input[name=start_time]", "09:00")
    page.click("#series-form [type=submit]")
    page.wait_for_selector("text=Mødeserien er planlagt.")
    series = MeetingSeries.objects.get()
    with translation.override("da"):
        starts = date_format(series.first_date, "DATE_FORMAT")
    assert f"Første møde lå i fortiden; serien starter {starts}." in page.inner_text("body")
    assert series.first_date >= timezone.localdate()
    assert page.inner_text("#series-recurrence") == "Første tirsdag i hver måned"
    assert {u.username for u in series.participants.all()} == {"manager", "palle"}
    assert not Meeting.objects.filter(start__lt=timezone.now()).exists()

    # The first meeting has taken place: tick who was there.
    meeting = series.meetings.order_by("start").first()
    meeting.participants.add(sofie)
    Meeting.objects.filter(pk=meeting.pk).update(
        start=timezone.now() - timedelta(hours=2), end=timezone.now() - timedelta(hours=1)
    )
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")
    present = page.get_by_role("group", name="Til stede")
    assert present.get_by_role("checkbox").count() == 3
    present.get_by_role("checkbox", name="Palle Berg (Alfa Logistik A/S)").check()
    present.get_by_role("checkbox", name="Sofie Dahl (Alfa Logistik A/S)").check()
    page.fill("textarea[name=minutes]", "Vi gennemgik fejlraten.")
    page.click("#save-minutes")
    page.wait_for_selector("text=Referatet er gemt.")
    attendance = dict(Attendance.objects.filter(meeting=meeting).values_list("user__username", "present"))
    assert attendance == {"manager": False, "palle": True, "sofie": True}

    # Reopened, the same people are ticked; unticking one is saved as absent.
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")
    present = page.get_by_role("group", name="Til stede")
    assert present.get_by_role("checkbox", name="Sofie Dahl (Alfa Logistik A/S)").is_checked()
    present.get_by_role("checkbox", name="Sofie Dahl (Alfa Logistik A/S)").uncheck()
    page.click("#save-minutes")
    page.wait_for_selector("text=Referatet er gemt.")
    assert not Attendance.objects.get(meeting=meeting, user=sofie).present
    assert Attendance.objects.get(meeting=meeting, user=palle).present
    assert not errors, errors
