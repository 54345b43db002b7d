"""The notifications pages and endpoints in the access matrix.

A notification belongs to one person, not to a partner. So each per-notification URL is listed
once per role: `build(world, partner)` creates a notification for *that role's* user at
`partner` (a_manager / b_manager for partner managers, and so on; the admin and the manager
themselves for host roles), and only that role is "allowed". The matrix then checks:
- the role opens its own notification (own side; for host roles also one about partner B);
- a partner user asking for the same-role user of partner B gets 404 (other side);
- every other role gets 404 for a notification that is not theirs (refused, nothing leaks).
"""

from itertools import count

from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications.models import Notification
from tests.access import EVERYONE, Endpoint
from tests.conftest import ROLES

_keys = count(1)


def _notification_for(user, partner, subject):
    return Notification.objects.create(
        recipient=user,
        key=f"access:{next(_keys)}",
        kind="system",
        subject=subject,
        body="Body",
        url="/partners/",
        partner=partner,
        send_at=timezone.now(),
    )


def _everyones_notifications(world):
    """One notification per person of both partners and the host, marked with the organisation."""
    people = [world.admin, world.manager, world.a_manager, world.a_viewer, world.b_manager, world.b_viewer]
    for user in people:
        _notification_for(user, None, _marker(world, user.organization))


def _marker(world, partner):
    return f"Inbox item of {partner.name}"


def _inbox(world, partner):
    _everyones_notifications(world)
    return reverse("notifications:inbox")


def _api_list(world, partner):
    _everyones_notifications(world)
    return reverse("api:notification-list")


def _own(role, route):
    def build(world, partner):
        user = world.user(role, partner)
        return reverse(route, args=[_notification_for(user, partner, f"For {role}").pk])

    return build


ENDPOINTS = [
    Endpoint("notifications:inbox", _inbox, allowed=EVERYONE, partner_scoped=False, marker=_marker),
    Endpoint(
        "notifications:inbox-unread",
        lambda w, p: _inbox(w, p) + "?show=unread",
        allowed=EVERYONE,
        partner_scoped=False,
        marker=_marker,
    ),
    Endpoint(
        "notifications:read_all",
        lambda w, p: reverse("notifications:read_all"),
        method="post",
        ok=(302,),
        partner_scoped=False,
    ),
    Endpoint("notifications:preferences", lambda w, p: reverse("notifications:preferences"), partner_scoped=False),
    Endpoint(
        "notifications:preferences-save",
        lambda w, p: reverse("notifications:preferences"),
        method="post",
        data=lambda w, p: {"kind": ["system"], "email": []},
        ok=(302,),
        partner_scoped=False,
    ),
    Endpoint("api:notification-list", _api_list, api=True, partner_scoped=False, marker=_marker),
    Endpoint(
        "api:notification-read-all",
        lambda w, p: reverse("api:notification-read-all"),
        api=True,
        method="post",
        partner_scoped=False,
    ),
]

for _role in ROLES:
    _only = frozenset({_role})
    ENDPOINTS += [
        Endpoint(f"notifications:read[{_role}]", _own(_role, "notifications:read"), _only, method="post", ok=(302,)),
        Endpoint(f"notifications:open[{_role}]", _own(_role, "notifications:open"), _only, ok=(302,)),
        Endpoint(f"api:notification-detail[{_role}]", _own(_role, "api:notification-detail"), _only, api=True),
        Endpoint(
            f"api:notification-read[{_role}]", _own(_role, "api:notification-read"), _only, api=True, method="post"
        ),
    ]
