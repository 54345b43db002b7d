"""The meetings services decide who may do what by asking the access policy (meetings.policies): partner
users never plan, change, minute or cancel meetings nor edit action items beyond their status; only
host staff mark topics internal or put the meetings they organise into their feed."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from meetings import services
from meetings.models import Meeting, MeetingStatus
from tests.meetings import helpers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["a_manager", "a_viewer"])
def test_partner_users_cannot_plan_change_minute_or_cancel(world, name):
    user = getattr(world, name)
    series = helpers.make_series(world, world.partner_a)
    meeting = helpers.meeting_for(world, world.partner_a)
    item = helpers.action_for(world, world.partner_a, owner=world.a_manager)
    writes = [
        lambda: services.series_create(
            user=user,
            partner=world.partner_a,
            title="X",
            purpose="operations_review",
            rrule="FREQ=MONTHLY;BYDAY=1TU",
            time_zone="Europe/Copenhagen",
            first_date=meeting.start.date(),
            start_time=meeting.start.time(),
            duration_minutes=60,
        ),
        lambda: services.series_update(user=user, series=series, title="Changed"),
        lambda: services.meeting_create(
            user=user, partner=world.partner_a, title="X", start=meeting.start, end=meeting.end
        ),
        lambda: services.meeting_update(user=user, meeting=meeting, title="Changed"),
        lambda: services.meeting_move(user=user, meeting=meeting, start=meeting.start + timedelta(days=1)),
        lambda: services.meeting_record_minutes(user=user, meeting=meeting, minutes="M", decisions="D"),
        lambda: services.meeting_publish_minutes(user=user, meeting=meeting),
        lambda: services.meeting_mark_held(user=user, meeting=meeting),
        lambda: services.meeting_cancel(user=user, meeting=meeting),
        lambda: services.action_item_update(user=user, item=item, title="Changed"),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    meeting.refresh_from_db()
    series.refresh_from_db()
    item.refresh_from_db()
    assert (meeting.title, meeting.status, meeting.minutes) == (f"Review with {world.partner_a.name}", "planned", "")
    assert series.title != "Changed" and item.title != "Changed"
    assert Meeting.objects.filter(title="X").count() == 0


def test_host_staff_change_and_cancel_a_meeting(world):
    meeting = helpers.meeting_for(world, world.partner_a)
    services.meeting_update(user=world.manager, meeting=meeting, title="Changed")
    services.meeting_cancel(user=world.admin, meeting=meeting)
    meeting.refresh_from_db()
    assert (meeting.title, meeting.status) == ("Changed", MeetingStatus.CANCELLED)


def test_only_host_staff_mark_topics_internal(world):
    meeting = helpers.meeting_for(world, world.partner_a)
    partner_topic = services.topic_add(user=world.a_manager, meeting=meeting, title="Ours", internal=True)
    host_topic = services.topic_add(user=world.manager, meeting=meeting, title="Host's", internal=True)
    assert (partner_topic.internal, host_topic.internal) == (False, True)
    services.topic_update(user=world.a_manager, topic=partner_topic, title="Ours, renamed", internal=True)
    partner_topic.refresh_from_db()
    assert (partner_topic.title, partner_topic.internal) == ("Ours, renamed", False)
    services.topic_update(user=world.manager, topic=partner_topic, internal=True)
    partner_topic.refresh_from_db()
    assert partner_topic.internal is True


@pytest.mark.parametrize("name,organised", [("admin", True), ("manager", True), ("a_manager", False)])
def test_only_host_staff_put_the_meetings_they_organise_into_their_feed(world, name, organised):
    feed = services.feed_regenerate(user=getattr(world, name), include_organised=True)
    assert feed.include_organised is organised
