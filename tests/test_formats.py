"""One format per language: the pages and e-mails a person reads show dates, periods and numbers in
one style per language (partnerportal/formats), and what a machine reads stays plain.

Each page is rendered through the test client in Danish and in English, and its visible text is
searched for every date shape the portal used to mix ("2026-11", "tir 5 Jan 2027", "01.12.2026",
US "Dec. 1, 2026", "2026-W48"). The ids of the page's objects are above a million, so an id written
into a link, a form value or a data attribute with thousands separators ("1.234.567") is caught.
"""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from agreements import services as agreement_services
from partnerportal import formats
from partnerportal.notifications.services import render_for
from tests.agreements.helpers import draft
from tests.kpis.helpers import measure, setup_partner
from tests.meetings.helpers import action_for, meeting_for

LANGUAGES = ("da", "en")

MONTHS = {
    "da": [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
SHORT_MONTHS = {
    "da": [
        r"jan\.",
        r"feb\.",
        r"marts",
        r"april",
        r"maj",
        r"juni",
        r"juli",
        r"aug\.",
        r"sept\.",
        r"okt\.",
        r"nov\.",
        r"dec\.",
    ],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
WEEKDAYS = {
    "da": ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


def _any(words):
    return "(?:" + "|".join(words) + ")"


# The shapes a page may show, per language (see partnerportal/formats/<lang>/formats.py).
ALLOWED = {
    "da": {
        "date": rf"\b\d{{1,2}}\. {_any(MONTHS['da'])} \d{{4}}",  # 1. december 2026
        "short date": rf"\b\d{{1,2}}\. {_any(SHORT_MONTHS['da'])} \d{{4}}",  # 1. dec. 2026
        "month": rf"\b{_any(MONTHS['da'])} \d{{4}}",  # december 2026
        "week": r"\buge \d{1,2} \d{4}",
        "quarter": r"\b[1-4]\. kvartal \d{4}",
    },
    "en": {
        "date": rf"\b\d{{1,2}} {_any(MONTHS['en'])} \d{{4}}",  # 1 December 2026
        "short date": rf"\b\d{{1,2}} {_any(SHORT_MONTHS['en'])} \d{{4}}",  # 1 Dec 2026
        "month": rf"\b{_any(MONTHS['en'])} \d{{4}}",
        "week": r"\bweek \d{1,2} \d{4}",
        "quarter": r"\bQ[1-4] \d{4}",
    },
}

# The shapes no page shows, in either language.
FORBIDDEN = {
    "ISO date or month": r"\b\d{4}-\d{2}(?:-\d{2})?\b",
    "ISO week or quarter label": r"\b\d{4}-[WQ]\d",
    "numeric date": r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b",
    "US date": rf"\b{_any(MONTHS['en'] + SHORT_MONTHS['en'])}\.? \d{{1,2}}, \d{{4}}",
    "abbreviated weekday": r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|man|tir|ons|tor|fre|lør|søn)\.? \d",
    "12-hour clock": r"\b\d{1,2}(?::\d{2})? ?(?:a\.m\.|p\.m\.|AM|PM|am|pm)\b|\bnoon\b|\bmidnight\b",
    "ungrouped large number": r"(?<![\d.,\w])\d{5,}(?![\d\w])",
}
# Month and weekday names of the other language.
EN_ABBREVIATIONS = ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"]
DA_ONLY = ["januar", "februar", "marts", "maj", "juni", "juli", "oktober", "okt", "uge", "kvartal"]
FOREIGN = {
    "da": rf"\b{_any(MONTHS['en'] + WEEKDAYS['en'] + EN_ABBREVIATIONS)}\b",
    "en": rf"\b{_any(DA_ONLY + WEEKDAYS['da'])}\b",
}

# Attributes a machine reads: never localised (links, form values, ids, htmx, data for scripts).
MACHINE_ATTRIBUTE = re.compile(r'\s((?:href|src|action|value|id|for|name|hx-[\w-]+|data-(?!label)[\w-]+))="([^"]*)"')
GROUPED = {"en": re.compile(r"\d,\d{3}(?!\d)"), "da": re.compile(r"\d,\d|\d\.\d{3}\.\d{3}")}

BIG = 1_234_567


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def date_problems(text: str, language: str) -> list[str]:
    problems = []
    for name, pattern in {**FORBIDDEN, "other language": FOREIGN[language]}.items():
        for m in re.finditer(pattern, text):
            problems.append(f"{name}: …{text[max(0, m.start() - 40) : m.end() + 40]}…")
    return problems


def attribute_problems(page: str, language: str) -> list[str]:
    return [f'{name}="{value}"' for name, value in MACHINE_ATTRIBUTE.findall(page) if GROUPED[language].search(value)]


@pytest.fixture
def big_ids(db):
    """Ids above a million for everything created in the test (PostgreSQL sequences), put back after."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")
        before = cursor.fetchall()
        for name, _last in before:
            cursor.execute("SELECT setval(%s, %s)", [name, BIG])
    yield
    with connection.cursor() as cursor:
        for name, last in before:
            if last is None:
                cursor.execute("SELECT setval(%s, 1, false)", [name])
            else:
                cursor.execute("SELECT setval(%s, %s)", [name, last])


@pytest.fixture
def portal(big_ids, world):
    """Partner A with KPI values in March 2025 (one large), a target of 21.6 hours in its signed
    agreement (review on 5 January 2027), a meeting with an action, and the timeline lines of all that."""
    error, delivery, _internal = setup_partner(world.partner_a)
    delivery.targets.update(value=21.6)
    for d in range(10):
        day = date(2025, 3, 1) + timedelta(days=d)
        measure(world.partner_a, "delivery-time", day, value=20 + d / 10, sample_size=3)
        measure(world.partner_a, "error-rate", day, numerator=1, denominator=100)
    big = measure(world.partner_a, "pallets-moved", date(2025, 3, 3), value=14327548)
    version = draft(world, world.partner_a)
    agreement_services.version_update(
        version=version, user=world.admin, review_date=date(2027, 1, 5), kpi_targets=list(delivery.targets.all())
    )
    version = agreement_services.version_send(version=version, user=world.admin)
    agreement_services.version_sign(version=version, user=world.admin)
    agreement_services.version_sign(version=version, user=world.a_manager)
    version.refresh_from_db()
    meeting = meeting_for(world, world.partner_a)
    action_for(world, world.partner_a, meeting=meeting)
    return {"version": version, "meeting": meeting, "big": big, "error": error}


def _pages(world, portal):
    partner = world.partner_a.pk
    scorecard = reverse("kpis:scorecard", args=[partner])
    return {
        "dashboard": reverse("dashboard"),
        "partner": reverse("partners:detail", args=[partner]),
        "scorecard": scorecard,
        "scorecard by week": scorecard + "?granularity=week&day=2025-03-05",
        "scorecard by quarter": scorecard + "?granularity=quarter&day=2025-03-05",
        "chart": reverse("kpis:chart", args=[portal["error"].pk]),
        "measurements": reverse("kpis:measurements", args=[partner]),
        "new measurement": reverse("kpis:measurement_create", args=[partner]),
        "agreement": reverse("agreements:detail", args=[portal["version"].agreement_id]),
        "version": reverse("agreements:version", args=[portal["version"].pk]),
        "print": reverse("agreements:print", args=[portal["version"].pk]),
        "meeting": reverse("meetings:meeting_detail", args=[portal["meeting"].pk]),
        "meetings": reverse("meetings:meeting_list"),
        "actions": reverse("meetings:action_list"),
        "timeline": reverse("relations:timeline", args=[partner]),
        "health": reverse("relations:health", args=[partner]),
    }


HOST_ONLY = ("dashboard", "actions", "health", "new measurement")


def _get(client, url, language, user):
    user.language = language
    user.save(update_fields=["language"])
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert f'<html lang="{language}"' in page, f"{url} is not in {language}"
    return page


def test_the_main_pages_show_one_style_per_language(world, portal, client_as):
    """Host and partner, Danish and English: only the language's own date shapes, grouped numbers,
    plain ids in links and form values; and the styles themselves, page by page."""
    problems, pages = [], {}
    seen = {language: set() for language in LANGUAGES}
    for role in ("manager", "a_manager"):
        user = getattr(world, role)
        client = client_as(user)
        for language in LANGUAGES:
            for name, url in _pages(world, portal).items():
                if role == "a_manager" and name in HOST_ONLY:
                    continue
                page = _get(client, url, language, user)
                text = visible_text(page)
                pages[role, language, name] = text
                problems += [f"{role} {language} {name}: {p}" for p in date_problems(text, language)]
                problems += [f"{role} {language} {name}: grouped {a}" for a in attribute_problems(page, language)]
                seen[language] |= {shape for shape, rx in ALLOWED[language].items() if re.search(rx, text)}
    assert not problems, "\n".join(problems)
    # The walk met every style of each language, so the checks above looked at real dates.
    assert all(seen[language] == set(ALLOWED[language]) for language in LANGUAGES), seen

    da = {name: pages["manager", "da", name] for name in _pages(world, portal)}
    assert "marts 2025" in da["scorecard"]  # the period in words
    assert "(1. marts 2025 – 31. marts 2025)" in da["scorecard"]
    assert "uge 10 2025" in da["scorecard by week"]
    assert "1. kvartal 2025" in da["scorecard by quarter"]
    assert "14.327.548" in da["measurements"] and "3. marts 2025" in da["measurements"]
    assert "21,6 timer" in da["version"] and "21,6 timer" in da["print"]
    assert "5. januar 2027" in da["version"]  # the review date
    assert "marts 2025" in da["chart"]
    with translation.override("da"):
        when = formats.moment(portal["meeting"].start)
    assert re.fullmatch(rf"{_any(WEEKDAYS['da'])} \d{{1,2}}\. {_any(MONTHS['da'])} \d{{4}} kl\. 10:00", when), when
    assert when in da["meeting"]

    en = {name: pages["manager", "en", name] for name in _pages(world, portal)}
    assert "March 2025" in en["scorecard"]
    assert "(1 Mar 2025 – 31 Mar 2025)" in en["scorecard"]
    assert "week 10 2025" in en["scorecard by week"]
    assert "Q1 2025" in en["scorecard by quarter"]
    assert "14,327,548" in en["measurements"]
    assert "21.6 hours" in en["version"] and "5 January 2027" in en["version"]


def test_the_large_value_is_grouped_on_the_page_but_plain_in_the_export(world, portal, client_as):
    client = client_as(world.manager)
    url = reverse("kpis:measurements_export", args=[world.partner_a.pk]) + "?format=csv"
    for language in LANGUAGES:
        world.manager.language = language
        world.manager.save(update_fields=["language"])
        response = client.get(url)
        content = getattr(response, "streaming_content", None)
        csv = (b"".join(content) if content is not None else response.content).decode()
        assert "14327548" in csv and "14.327.548" not in csv and "14,327,548" not in csv
        assert "2025-03-03" in csv


def _mails(world, portal):
    meeting, version = portal["meeting"], portal["version"]
    url = "https://portal.example/x/"
    breach = {
        "partner": "Alfa",
        "kpi": "Error rate",
        "unit": "%",
        "month": "2026-12",
        "value": 12345.6,
        "critical": 2.5,
        "target": 1.0,
        "url": url,
        "running": True,
        "data_until": "2026-12-10",
        "days": 10,
        "month_days": 31,
    }
    return [
        ("meetings/email/reminder", {"meeting": meeting, "offset": 60, "prepare": False, "url": url}),
        ("meetings/email/changed", {"meeting": meeting, "url": url}),
        (
            "agreements/email/review_due",
            {"agreement": version.agreement, "version": version, "partner": world.partner_a, "url": url},
        ),
        ("kpis/email/breach", breach),
    ]


def test_e_mails_use_the_same_styles(world, portal):
    person = world.a_manager
    for language in LANGUAGES:
        person.language = language
        person.save(update_fields=["language"])
        problems, texts = [], []
        for template, context in _mails(world, portal):
            subject, body = render_for(person, template, context)
            texts.append(subject + "\n" + body)
            problems += [f"{language} {template}: {p}" for p in date_problems(subject + " " + body, language)]
        assert not problems, "\n".join(problems)
        everything = "\n".join(texts)
        if language == "da":
            assert "5. januar 2027" in everything  # the review date
            assert "december 2026" in everything and "10. dec. 2026" in everything
            assert "12.345,6" in everything
            assert re.search(rf"{_any(WEEKDAYS['da'])} \d{{1,2}}\. \w+ \d{{4}} kl\. 10:00", everything)
        else:
            assert "5 January 2027" in everything
            assert "December 2026" in everything and "10 Dec 2026" in everything
            assert "12,345.6" in everything
            assert re.search(rf"{_any(WEEKDAYS['en'])} \d{{1,2}} \w+ \d{{4}}, 10:00", everything)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("da", ["1. december 2026", "1. dec. 2026", "november 2026", "uge 48 2026", "4. kvartal 2026", "2026"]),
        ("en", ["1 December 2026", "1 Dec 2026", "November 2026", "week 48 2026", "Q4 2026", "2026"]),
    ],
)
def test_the_helpers_speak_the_active_language(language, expected):
    with translation.override(language):
        shown = [
            formats.day(date(2026, 12, 1)),
            formats.short_day(date(2026, 12, 1)),
            formats.period(date(2026, 11, 1), "month"),
            formats.period(date(2026, 11, 23), "week"),
            formats.period(date(2026, 10, 1), "quarter"),
            formats.period(date(2026, 1, 1), "year"),
        ]
    assert shown == expected


def test_numbers_units_and_never_the_us_order():
    with translation.override("da"):
        assert formats.number(14327548) == "14.327.548"
        assert formats.number(12.5) == "12,5"
        assert formats.quantity(21.6, "timer", 1) == "21,6 timer"
        assert formats.period("2026-11", "month") == "november 2026"  # ISO text from stored JSON
        assert formats.short_day("2026-11-15") == "15. nov. 2026"
    with translation.override("en"), timezone.override("Europe/Copenhagen"):
        assert formats.number(14327548) == "14,327,548"
        assert formats.number(12.5) == "12.5"
        assert formats.quantity(21.6, "hours", 1) == "21.6 hours"
        moment = timezone.make_aware(datetime.combine(date(2026, 12, 1), time(14, 30)))
        assert formats.short_moment(moment) == "1 Dec 2026, 14:30"
        assert formats.moment(moment) == "Tuesday 1 December 2026, 14:30"
