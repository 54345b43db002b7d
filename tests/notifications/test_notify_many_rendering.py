"""notify_many() renders an event's e-mail once per language and time zone when its template does not
look at the recipient, and for each recipient when it does; either way every recipient gets the text
that rendering it for them alone (render_for) gives."""

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from partnerportal.notifications import services
from partnerportal.notifications.models import Notification

pytestmark = pytest.mark.django_db

TEMPLATES = {
    # Language and time zone, no recipient: one text per (language, time zone).
    "t/shared_subject.txt": "{% load i18n %}{% blocktrans %}Stock count {{ title }}{% endblocktrans %}",
    "t/shared_body.txt": (
        "{% load i18n tz %}{% get_current_language as lang %}{% get_current_timezone as zone %}"
        "{{ lang }} {{ zone }} {{ at }}\n{% trans 'Open it in the portal:' %} {{ link }}"
    ),
    # The recipient's name in the body only.
    "t/personal_subject.txt": "Hello",
    "t/personal_body.txt": "{% load tz %}Hello {{ recipient.username }}, at {{ at }}",
    # The recipient only behind a condition that is off here: nothing of them in the text.
    "t/branch_subject.txt": "Note",
    "t/branch_body.txt": "{% if greet %}Hello {{ recipient.username }}{% endif %}{{ title }}",
}
CONTEXT = {"title": "A-7", "at": datetime(2026, 3, 1, 22, 30, tzinfo=UTC), "link": "https://portal/x/", "greet": False}


@pytest.fixture
def templates():
    engine = {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", TEMPLATES)]},
    }
    with override_settings(TEMPLATES=[engine]):
        yield


@pytest.fixture
def people(world):
    """Host and partner people in two languages and three time zones (two of them alike)."""
    settings = [
        (world.manager, "en", "Europe/Copenhagen"),
        (world.admin, "en", "Europe/Copenhagen"),
        (world.a_manager, "da", "Europe/Copenhagen"),
        (world.a_viewer, "da", "America/New_York"),
        (world.b_manager, "en", "Asia/Tokyo"),
    ]
    for user, language, zone in settings:
        user.language, user.time_zone = language, zone
        user.save(update_fields=["language", "time_zone"])
    return [user for user, _language, _zone in settings]


@pytest.fixture
def renders(monkeypatch):
    """The templates' renderings (subject and body together), counted."""
    calls = []
    real = services._render

    def counted(template, context):
        calls.append(template)
        return real(template, context)

    monkeypatch.setattr(services, "_render", counted)
    return calls


def _queue(people, template, key="event:1"):
    return services.notify_many(
        [{"recipients": people, "kind": "system", "key": key, "template": template, "context": CONTEXT}]
    )


def _alone(user, template):
    return services.render_for(user, template, CONTEXT)


def _stored(template_key="event:1"):
    return {n.recipient: (n.subject, n.body) for n in Notification.objects.filter(key=template_key)}


def test_a_template_without_the_recipient_is_rendered_once_per_language_and_time_zone(templates, people, renders):
    assert len(_queue(people, "t/shared")) == 5
    assert len(renders) == 4  # (en, Copenhagen) twice, the others once each
    stored = _stored()
    renders.clear()
    for user in people:
        assert stored[user] == _alone(user, "t/shared")
    # Each its own language and time zone (22:30 UTC is 23:30 in Copenhagen, 17:30 in New York).
    assert stored[people[0]][1].startswith("en Europe/Copenhagen Sunday 1 March 2026, 23:30\nOpen it in the portal:")
    assert stored[people[2]][1].startswith("da Europe/Copenhagen ")
    assert "23:30\nÅbn den i portalen:" in stored[people[2]][1]
    assert stored[people[3]][1].startswith("da America/New_York ")
    assert "17:30\nÅbn den i portalen:" in stored[people[3]][1]
    assert stored[people[4]][1].startswith("en Asia/Tokyo Monday 2 March 2026, 07:30\n")
    assert stored[people[0]] == stored[people[1]]


def test_a_template_that_names_the_recipient_is_rendered_for_each(templates, people, renders):
    _queue(people, "t/personal")
    assert len(renders) == 5
    stored = _stored()
    for user in people:
        assert stored[user] == _alone(user, "t/personal")
        assert stored[user][1].startswith(f"Hello {user.username}, at ")
    assert stored[people[0]][1] != stored[people[1]][1]  # same language and time zone, another name


def test_the_recipient_behind_a_condition_that_is_off_is_not_read(templates, people, renders):
    _queue(people, "t/branch")
    assert len(renders) == 4
    assert set(_stored().values()) == {("Note", "A-7")}


def test_each_event_is_rendered_with_its_own_context(templates, people, renders):
    services.notify_many(
        [
            {"recipients": people[:2], "kind": "system", "key": "e:1", "template": "t/branch", "context": CONTEXT},
            {
                "recipients": people[:2],
                "kind": "system",
                "key": "e:2",
                "template": "t/branch",
                "context": {**CONTEXT, "title": "B-9"},
            },
            {
                "recipients": people[:2],
                "kind": "system",
                "key": "e:3",
                "template": "t/personal",
                "context": CONTEXT,
            },
        ]
    )
    assert len(renders) == 1 + 1 + 2
    assert {n.body for n in Notification.objects.filter(key="e:1")} == {"A-7"}
    assert {n.body for n in Notification.objects.filter(key="e:2")} == {"B-9"}
    assert sorted(n.body[:14] for n in Notification.objects.filter(key="e:3")) == ["Hello admin, a", "Hello manager,"]


def test_the_portals_own_templates_give_each_recipient_the_text_rendered_alone(world, people):
    """The real templates: the KPI breach mail (no recipient in it) and the portal message (greets them)."""
    breach = {
        "partner": "Alfa Logistik A/S",
        "kpi": "Error rate",
        "unit": "%",
        "month": "2026-02",
        "value": "5.1",
        "url": "https://portal/kpis/assignment/1/",
        "critical": 2.5,
        "target": 1.0,
        "running": False,
        "data_until": "",
        "days": None,
        "month_days": 28,
    }
    system = {"title": "Stock count", "message": "Counting starts at 06:00."}
    services.notify_many(
        [
            {"recipients": people, "kind": "kpis.breach", "key": "b:1", "template": "kpis/email/breach"}
            | {"context": breach},
            {"recipients": people, "kind": "system", "key": "s:1", "template": "notifications/email/system"}
            | {"context": system},
        ]
    )
    for key, template, context in (("b:1", "kpis/email/breach", breach), ("s:1", "notifications/email/system", system)):
        stored = {n.recipient: (n.subject, n.body) for n in Notification.objects.filter(key=key)}
        assert len(stored) == 5
        for user in people:
            assert stored[user] == services.render_for(user, template, context)
    danish = Notification.objects.get(key="s:1", recipient=people[2])
    assert danish.body.startswith(f"Hej {people[2].get_full_name()},")
