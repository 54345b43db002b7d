"""Reads of the relationship practices, already restricted by the access policy: one module per
subject, all offered here (`from relations import selectors`)."""

from .cases import (
    FACT_WINDOW_DAYS,
    PICKER_RESULTS,
    action_owners,
    api_cases,
    case_actions,
    case_detail,
    case_list,
    case_measurements,
    measurement_choices,
    measurement_search,
    open_cases_for_agenda,
)
from .common import visible_partners
from .engagements import api_engagements, engagement_detail, engagement_list, engagement_participant_choices
from .health import (
    HEALTH_SORTS,
    api_health_snapshots,
    api_timeline_events,
    health_current,
    health_panel_rows,
    health_scores,
    health_table,
    health_trend,
    timeline,
)
from .kudos import SUCCESS_LABELS, api_kudos, detected_groups, successes
from .notices import api_notices, notice_detail, notice_list, notice_stats, open_notices_for_agenda
from .roadmap import (
    api_roadmap_comments,
    api_roadmap_items,
    roadmap_comments,
    roadmap_detail,
    roadmap_list,
    roadmap_share_choices,
)
from .surveys import (
    MIN_ANONYMOUS_ANSWERS,
    api_survey_rounds,
    invitation_for,
    open_surveys_for,
    survey_detail,
    survey_list,
    survey_progress,
    survey_results,
    survey_trend,
)

__all__ = [
    "HEALTH_SORTS",
    "FACT_WINDOW_DAYS",
    "MIN_ANONYMOUS_ANSWERS",
    "PICKER_RESULTS",
    "SUCCESS_LABELS",
    "action_owners",
    "api_cases",
    "api_engagements",
    "api_health_snapshots",
    "api_kudos",
    "api_notices",
    "api_roadmap_comments",
    "api_roadmap_items",
    "api_survey_rounds",
    "api_timeline_events",
    "case_actions",
    "case_detail",
    "case_list",
    "case_measurements",
    "detected_groups",
    "engagement_detail",
    "engagement_list",
    "engagement_participant_choices",
    "health_current",
    "health_panel_rows",
    "health_scores",
    "health_table",
    "health_trend",
    "invitation_for",
    "measurement_choices",
    "measurement_search",
    "notice_detail",
    "notice_list",
    "notice_stats",
    "open_cases_for_agenda",
    "open_notices_for_agenda",
    "open_surveys_for",
    "roadmap_comments",
    "roadmap_detail",
    "roadmap_list",
    "roadmap_share_choices",
    "successes",
    "survey_detail",
    "survey_list",
    "survey_progress",
    "survey_results",
    "survey_trend",
    "timeline",
    "visible_partners",
]

from .health import hub_recent  # noqa: E402  (issue 16: the hub's relationship section)

__all__ += ["hub_recent"]
