"""A long word (a pasted link, a code, a name without spaces) wraps instead of widening the page.

In real Chromium: a partner posts a notice through the form with a 300-character word in its description
and in what is being done, and a title that is one 200-character word (the longest a title may be). The
pages that show it, to the partner and to the host, are no wider than the window on a phone (390 px) and
on a laptop (1366 px), in the same measure as tests/test_browser_layout.py: `scrollWidth > innerWidth` is a
horizontal scroll bar. A case with such a word is shown too (its texts are paragraphs, not a list).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from relations import services
from relations.models import Case, Notice
from tests.browser import MEASURE, log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = ((390, 844), (1366, 768))
WORD = "Leveringsadresse" * 18 + "Aarhus" * 2  # 300 characters, no space, no hyphen
LINK = "https://track.example.com/" + "a1b2c3d4" * 34 + "xx"  # 300 characters
TITLE_WORD = "Forsinkelse" * 18 + "E45"  # 201 characters: one more than a title may have


def test_the_lengths_are_what_the_test_says():
    assert len(WORD) == 300 and len(LINK) == 300 and len(TITLE_WORD) == 201


def _log_in(browser, base, username):
    page = new_page(browser, timeout=30000, viewport={"width": WIDTHS[1][0], "height": WIDTHS[1][1]})
    page.set_default_navigation_timeout(60000)
    return log_in(page, base, username)


def _too_wide(page, base, urls):
    problems = []
    for url in urls:
        response = page.goto(base + url)
        assert response is not None and response.status == 200, url
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("() => document.fonts.ready")
            m = page.evaluate(MEASURE)
            if m["scrollWidth"] > m["innerWidth"]:
                problems.append(f"{url} at {width} px: page is {m['scrollWidth']} px wide; too wide: {m['wide']}")
        page.set_viewport_size({"width": WIDTHS[1][0], "height": WIDTHS[1][1]})
    return problems


def test_a_notice_with_a_300_character_word_does_not_widen_the_page(live_server, world, browser):
    base = live_server.url
    page = _log_in(browser, base, world.a_manager.username)
    page.goto(base + "/relations/notices/new/")
    # The form tells the browser the limits: a title stops at 200 characters.
    assert page.get_attribute("textarea[name=description]", "maxlength") == "5000"
    page.select_option("select[name=kind]", "delivery_delay")
    page.select_option("select[name=severity]", "medium")
    page.fill("input[name=title]", TITLE_WORD)
    assert page.input_value("input[name=title]") == TITLE_WORD[:200]
    start = timezone.localtime() + timedelta(hours=20)
    page.fill("input[name=affected_from]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("textarea[name=description]", f"Leveringen til {WORD} er forsinket.")
    page.fill("textarea[name=mitigation]", f"Følg bilen her: {LINK}")
    with page.expect_navigation():  # the notice is saved once the POST is answered
        page.click("main form [type=submit]")
    notice = Notice.objects.get()
    assert page.url.endswith(notice.get_absolute_url())
    assert notice.title == TITLE_WORD[:200] and WORD in notice.description and LINK in notice.mitigation

    case = services.case_raise(
        user=world.manager,
        partner=world.partner_a,
        title=TITLE_WORD[:200],
        what_happened=f"Pakken til {WORD} kom ikke frem.",
        impact=LINK,
    )
    partner_pages = [
        notice.get_absolute_url(),
        "/relations/notices/",
        f"/relations/cases/{case.pk}/",
        "/notifications/",
        "/",
    ]
    problems = _too_wide(page, base, partner_pages)
    page.context.close()

    page = _log_in(browser, base, world.manager.username)
    host_pages = [
        notice.get_absolute_url(),
        f"/relations/cases/{case.pk}/",
        f"/relations/partners/{world.partner_a.pk}/timeline/",
        f"/partners/{world.partner_a.pk}/",
        "/notifications/",
        "/",
    ]
    problems += _too_wide(page, base, host_pages)
    page.context.close()
    assert Case.objects.filter(pk=case.pk).exists()
    assert not problems, f"{len(problems)} pages too wide:\n" + "\n".join(problems)
