"""Writes of the meetings app: series and their occurrences, minutes, topics, action items,
reminders and calendar feed tokens. Views, the API and the Celery tasks all call these.

One module per subject; callers use this package (`from meetings import services;
services.series_create(...)`), and the rules live in the subject's module once.
"""

from .actions import (
    ACTION_DUE_SOON_DAYS,
    action_item_create,
    action_item_set_status,
    action_item_update,
    action_items_hand_over,
    action_items_open_of,
    remind_action_items,
)
from .base import (
    KIND_ACTION_ASSIGNED,
    KIND_ACTION_DUE,
    KIND_ACTION_OVERDUE,
    KIND_MEETING_CHANGED,
    KIND_MEETING_REMINDER,
    KIND_MINUTES,
    validate_participants,
)
from .feeds import (
    feed_for,
    feed_regenerate,
    feed_revoke,
    feeds_revoke_for,
)
from .meetings import (
    meeting_cancel,
    meeting_create,
    meeting_mark_held,
    meeting_move,
    meeting_update,
)
from .minutes import (
    meeting_publish_minutes,
    meeting_record_minutes,
    topic_add,
    topic_delete,
    topic_update,
)
from .reminders import (
    REMINDER_WINDOW_DAYS,
    calendar_prefix,
    holders_of,
    refresh_queued_reminders,
    reminder_key,
    reminder_offsets,
    reminder_prefix,
    schedule_meeting_reminders,
    schedule_reminders,
    send_calendar_update,
)
from .series import (
    HORIZON_DAYS,
    SERIES_CALENDAR_FIELDS,
    SERIES_FIELDS,
    extend_horizons,
    materialise,
    series_create,
    series_update,
    start_in_future,
)

__all__ = [
    "action_items_hand_over",
    "action_items_open_of",
    "ACTION_DUE_SOON_DAYS",
    "HORIZON_DAYS",
    "KIND_ACTION_ASSIGNED",
    "KIND_ACTION_DUE",
    "KIND_ACTION_OVERDUE",
    "KIND_MEETING_CHANGED",
    "KIND_MEETING_REMINDER",
    "KIND_MINUTES",
    "REMINDER_WINDOW_DAYS",
    "SERIES_CALENDAR_FIELDS",
    "SERIES_FIELDS",
    "action_item_create",
    "action_item_set_status",
    "action_item_update",
    "calendar_prefix",
    "extend_horizons",
    "feed_for",
    "feed_regenerate",
    "feed_revoke",
    "feeds_revoke_for",
    "holders_of",
    "materialise",
    "meeting_cancel",
    "meeting_create",
    "meeting_mark_held",
    "meeting_move",
    "meeting_publish_minutes",
    "meeting_record_minutes",
    "meeting_update",
    "refresh_queued_reminders",
    "remind_action_items",
    "reminder_key",
    "reminder_offsets",
    "reminder_prefix",
    "schedule_meeting_reminders",
    "schedule_reminders",
    "send_calendar_update",
    "series_create",
    "series_update",
    "start_in_future",
    "topic_add",
    "topic_delete",
    "topic_update",
    "validate_participants",
]
