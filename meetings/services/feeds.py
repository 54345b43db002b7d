"""Calendar feed tokens: regenerate and revoke a person's feed address."""

from __future__ import annotations

from django.db import transaction

from partnerportal import policy

from ..models import CalendarFeed, MeetingSeries, new_feed_token


def feed_for(*, user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


@transaction.atomic
def feed_regenerate(*, user, include_organised: bool | None = None) -> CalendarFeed:
    """A new secret token (the old feed address stops working at once)."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    feed.token = new_feed_token()
    if include_organised is not None:
        feed.include_organised = bool(include_organised) and policy.allows(user, "organise", MeetingSeries)
    feed.save()
    return feed


@transaction.atomic
def feed_revoke(*, user) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def feeds_revoke_for(*, user_ids, **_signal) -> int:
    """Receiver of partners.signals.access_revoked: a deactivated person's feed addresses stop working."""
    return CalendarFeed.objects.filter(user_id__in=list(user_ids)).delete()[0]
