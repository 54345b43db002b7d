"""Inbox pages, preferences and the API: own notifications only, read state, safe links."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications.models import Notification, NotificationPreference, NotificationStatus
from tests.notifications.helpers import make, make_many

pytestmark = pytest.mark.django_db


def _unread_badge(client):
    return client.get(reverse("notifications:inbox")).context["unread_notifications"]


def test_inbox_lists_own_due_notifications_only(world, client_as):
    make(world.a_manager, key="mine:1", subject="Truck 4 is late", body="ETA 14:30", url="/partners/")
    make(world.a_manager, key="mine:later", subject="Future reminder", send_at=timezone.now() + timedelta(days=1))
    make(world.a_manager, key="mine:gone", subject="Withdrawn reminder", status=NotificationStatus.WITHDRAWN)
    make(world.a_viewer, key="colleague:1", subject="Colleague's message")
    make(world.b_manager, key="other:1", subject="Other partner's message")

    response = client_as(world.a_manager).get(reverse("notifications:inbox"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Truck 4 is late" in page and "ETA 14:30" in page
    mine = Notification.objects.get(key="mine:1")
    assert reverse("notifications:open", args=[mine.pk]) in page
    for hidden in ("Future reminder", "Withdrawn reminder", "Colleague&#x27;s message", "Other partner"):
        assert hidden not in page
    assert response.context["unread_notifications"] == 1


def test_inbox_filter_unread_and_pagination(world, client_as):
    make_many(world.manager, 30, prefix="many")
    Notification.objects.filter(key="many:0").update(read_at=timezone.now())
    client = client_as(world.manager)
    first = client.get(reverse("notifications:inbox"))
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].paginator.count == 30
    unread = client.get(reverse("notifications:inbox") + "?show=unread&page=2")
    assert unread.context["page"].paginator.count == 29
    assert len(unread.context["page"].object_list) == 4


def test_inbox_query_count_does_not_grow_with_rows(world, client_as, django_assert_max_num_queries):
    client = client_as(world.manager)
    make_many(world.manager, 3, prefix="few")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("notifications:inbox"))
    make_many(world.manager, 40, prefix="lots")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:inbox"))


def test_mark_read_with_htmx_updates_the_row_and_the_header_count(world, client_as):
    first = make(world.a_viewer, key="r:1")
    make(world.a_viewer, key="r:2")
    client = client_as(world.a_viewer)
    assert _unread_badge(client) == 2

    response = client.post(reverse("notifications:read", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="notification-{first.pk}"' in body
    assert 'id="unread-count" hx-swap-oob="true">1<' in body
    assert "Mark as read" not in body
    first.refresh_from_db()
    assert first.read_at is not None
    assert _unread_badge(client) == 1


def test_mark_read_without_htmx_redirects_and_all_read(world, client_as):
    one = make(world.manager, key="x:1")
    make_many(world.manager, 3, prefix="x-more")
    client = client_as(world.manager)
    response = client.post(reverse("notifications:read", args=[one.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:inbox")
    assert _unread_badge(client) == 3
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "All notifications are marked as read." in response.content.decode()
    assert response.context["unread_notifications"] == 0
    assert not Notification.objects.filter(recipient=world.manager, read_at__isnull=True).exists()


def test_mark_all_read_leaves_other_people_and_future_rows_alone(world, client_as):
    make(world.a_manager, key="own:1")
    later = make(world.a_manager, key="own:later", send_at=timezone.now() + timedelta(hours=2))
    theirs = make(world.a_viewer, key="theirs:1")
    client_as(world.a_manager).post(reverse("notifications:read_all"))
    later.refresh_from_db()
    theirs.refresh_from_db()
    assert later.read_at is None and theirs.read_at is None


@pytest.mark.parametrize("name,method", [("read", "post"), ("open", "get")])
def test_another_users_notification_answers_404(world, client_as, name, method):
    colleague = make(world.a_viewer, key="c:1", url="/partners/")
    other_partner = make(world.b_manager, key="o:1", url="/partners/")
    host = make(world.manager, key="h:1", url="/partners/")
    for user, notification in ((world.a_manager, colleague), (world.a_manager, other_partner), (world.admin, host)):
        response = getattr(client_as(user), method)(reverse(f"notifications:{name}", args=[notification.pk]))
        assert response.status_code == 404
        notification.refresh_from_db()
        assert notification.read_at is None
    missing = getattr(client_as(world.manager), method)(reverse(f"notifications:{name}", args=[999999]))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "url,expected",
    [
        ("/partners/?tab=kpis", "/partners/?tab=kpis"),
        ("http://testserver/meetings/12/#minutes", "/meetings/12/#minutes"),
        ("https://evil.example/login", None),
        ("//evil.example/login", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_open_marks_read_and_redirects_only_inside_the_portal(world, client_as, url, expected):
    notification = make(world.a_manager, key="open:1", url=url)
    response = client_as(world.a_manager).get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == (expected or reverse("notifications:inbox"))
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_preferences_page_saves_email_choices(world, client_as):
    client = client_as(world.a_viewer)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    kinds = [row.kind for row in page.context["rows"]]
    assert "system" in kinds and "account" in kinds
    assert all(row.email for row in page.context["rows"])

    response = client.post(reverse("notifications:preferences"), {"kind": kinds, "email": ["account"]}, follow=True)
    assert "Your notification preferences were saved." in response.content.decode()
    saved = dict(NotificationPreference.objects.filter(user=world.a_viewer).values_list("kind", "email"))
    assert saved["system"] is False and saved["account"] is True
    rows = {row.kind: row.email for row in client.get(reverse("notifications:preferences")).context["rows"]}
    assert rows["system"] is False and rows["account"] is True
    assert not NotificationPreference.objects.exclude(user=world.a_viewer).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": ["system", "no_such_kind"], "email": ["system"]},
        {"kind": ["system"], "email": ["system", "account"]},
        {},
    ],
)
def test_preferences_bad_input_changes_nothing(world, client_as, data):
    NotificationPreference.objects.create(user=world.manager, kind="system", email=True)
    response = client_as(world.manager).post(reverse("notifications:preferences"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Unknown notification kind: no_such_kind" in body or "The form was incomplete" in body
    assert list(NotificationPreference.objects.values_list("user", "kind", "email")) == [
        (world.manager.pk, "system", True)
    ]


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_own_notifications_with_unread_filter(world, client_as):
    read = make(world.a_manager, key="api:1", subject="Read one", read_at=timezone.now(), url="https://evil.example/")
    unread = make(world.a_manager, key="api:2", subject="Unread one", url="/partners/")
    make(world.a_viewer, key="api:colleague", subject="Colleague")
    make(world.b_manager, key="api:other", subject="Other partner")
    make(world.a_manager, key="api:future", send_at=timezone.now() + timedelta(days=1))
    client = client_as(world.a_manager)

    data = client.get(reverse("api:notification-list")).json()
    assert data["count"] == 2
    assert {row["id"] for row in data["results"]} == {read.pk, unread.pk}
    by_id = {row["id"]: row for row in data["results"]}
    assert by_id[read.pk]["url"] == "" and by_id[read.pk]["is_read"] is True
    assert by_id[unread.pk]["url"] == "/partners/" and by_id[unread.pk]["is_read"] is False

    only_unread = client.get(reverse("api:notification-list") + "?unread=true").json()
    assert [row["id"] for row in only_unread["results"]] == [unread.pk]
    only_read = client.get(reverse("api:notification-list") + "?unread=false").json()
    assert [row["id"] for row in only_read["results"]] == [read.pk]


def test_api_mark_read_and_read_all(world, client_as):
    one, two = make(world.manager, key="m:1"), make(world.manager, key="m:2")
    theirs = make(world.admin, key="admin:1")
    client = client_as(world.manager)
    response = client.post(reverse("api:notification-read", args=[one.pk]))
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client.get(reverse("api:notification-list") + "?unread=true").json()["count"] == 1

    assert client.post(reverse("api:notification-read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("api:notification-detail", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(reverse("api:notification-read-all"))
    assert response.json() == {"marked": 1, "unread": 0}
    two.refresh_from_db()
    assert two.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_refuses_anonymous_and_bad_ids(world, client_as, client):
    assert client.get(reverse("api:notification-list")).status_code == 401
    assert client_as(world.manager).post("/api/notifications/abc/read/").status_code == 404
    response = client_as(world.manager).get(reverse("api:notification-list") + "?unread=maybe")
    assert response.status_code == 400
    assert "unread" in response.json()


def test_pages_are_in_danish_for_a_danish_user(world, client_as):
    world.a_manager.language = "da"
    world.a_manager.save()
    make(world.a_manager, key="da:1")
    client = client_as(world.a_manager)
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert "Markér alle som læst" in inbox and "Markér som læst" in inbox
    preferences = client.get(reverse("notifications:preferences")).content.decode()
    assert "Notifikationsindstillinger" in preferences and "Systembeskeder" in preferences
    response = client.post(reverse("notifications:preferences"), {"kind": ["nope"]})
    assert "Ukendt notifikationstype: nope" in response.content.decode()


def test_switching_email_off_applies_to_messages_already_queued(world, client_as):
    from partnerportal.notifications import services

    later = timezone.now() + timedelta(days=2)
    for user in (world.a_viewer, world.a_manager):
        services.notify(
            recipients=[user],
            kind="system",
            key="meeting:9:reminder:2d",
            template="notifications/email/system",
            context={"title": "Review", "message": "Update your KPIs."},
            send_at=later,
        )
    client = client_as(world.a_viewer)
    kinds = [row.kind for row in client.get(reverse("notifications:preferences")).context["rows"]]
    client.post(reverse("notifications:preferences"), {"kind": kinds, "email": ["account"]})
    services.dispatch_due(now=later + timedelta(minutes=1))
    assert [m.to for m in mail.outbox] == [[world.a_manager.email]]
    quiet = Notification.objects.get(recipient=world.a_viewer, key="meeting:9:reminder:2d")
    assert quiet.status == "sent" and quiet.email is False  # in the inbox all the same


def _row_text(html: str, pk: int) -> str:
    """The visible text of one inbox row (tags and attribute values dropped)."""
    import re

    start = html.index(f'id="notification-{pk}"')
    row = html[start : html.index("</li>", start)]
    return re.sub(r"<[^>]+>", " ", row)


def test_inbox_entry_is_a_short_text_and_a_link_not_the_email(world, client_as):
    """A notice posted through the portal reaches the host's inbox as its subject (a link to the notice)
    and one short line; the e-mail's greeting, its field list and its URLs stay in the e-mail."""
    from relations.models import Notice
    from tests.relations.test_notices import _post_form

    _post_form(client_as(world.a_manager), world.partner_a, description="Two trailers stuck. " * 30)
    notice = Notice.objects.get()
    note = Notification.objects.get(recipient=world.manager, key=f"notice:{notice.pk}:posted")
    assert "http://" in note.body  # the e-mail itself carries the link

    client = client_as(world.manager)
    page = client.get(reverse("notifications:inbox")).content.decode()
    text = " ".join(_row_text(page, note.pk).split())
    assert "Truck breakdown on E45" in text
    assert "http" not in text and "testserver" not in text
    assert "Two trailers stuck. Two trailers stuck. Two trailers stuck." not in text  # not the whole message
    assert len(text) < 400, text
    opened = client.get(reverse("notifications:open", args=[note.pk]))
    assert opened["Location"] == notice.get_absolute_url()
    assert f'href="{reverse("notifications:open", args=[note.pk])}"' in page


def test_summary_drops_greeting_and_links():
    from partnerportal.notifications.models import summary_of

    body = "Hej Anna,\n\nDin handling “Tjek varer” (Alfa) forfalder 3. december 2026.\n\nOpdater status her: http://x/y"
    assert summary_of(body) == "Din handling “Tjek varer” (Alfa) forfalder 3. december 2026."
    assert summary_of("Bo (partner) raised a case:\n\nLate trucks\n\nWhat happened:\nx") == (
        "Bo (partner) raised a case: Late trucks"
    )
    assert summary_of("http://only-a-link/") == ""
    assert len(summary_of("word " * 200)) <= 160
