"""Writes of the relationship practices: every use case in one keyword-only function.

One module per subject (as Zulip splits its actions/); views, the API, Celery tasks and the demo call
them through this package (`from relations import services; services.notice_post(...)`), and the
rules live in the subject's module once.
"""

from .base import english_label, other_side_people, validate_upload
from .cases import (
    CASE_TEXT_FIELDS,
    case_acknowledge,
    case_action_count,
    case_agree_action,
    case_attach_file,
    case_link_measurement,
    case_raise,
    case_resolution_problems,
    case_set_status,
    case_update,
)
from .engagements import engagement_attach_file, engagement_save
from .escalation import escalate_overdue_cases, escalation_ladder
from .kudos import kudos_give
from .notices import notice_acknowledge, notice_post
from .roadmap import roadmap_comment, roadmap_save
from .surveys import (
    current_questions,
    schedule_survey_rounds,
    survey_answer,
    survey_round_create,
    survey_send_reminders,
)

__all__ = [
    "CASE_TEXT_FIELDS",
    "case_acknowledge",
    "case_action_count",
    "case_agree_action",
    "case_attach_file",
    "case_link_measurement",
    "case_raise",
    "case_resolution_problems",
    "case_set_status",
    "case_update",
    "current_questions",
    "engagement_attach_file",
    "engagement_save",
    "english_label",
    "escalate_overdue_cases",
    "escalation_ladder",
    "kudos_give",
    "notice_acknowledge",
    "notice_post",
    "other_side_people",
    "roadmap_comment",
    "roadmap_save",
    "schedule_survey_rounds",
    "survey_answer",
    "survey_round_create",
    "survey_send_reminders",
    "validate_upload",
]
