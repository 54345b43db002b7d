"""Relationship practices: notices, cases, engagements, roadmap, surveys, kudos, health and timeline.

One module per subject (as NetBox splits tenancy/models/); every model is re-exported here, so
`from relations.models import Notice` works and the app label stays "relations". Every model belongs
to one partner organisation (roadmap items to the partners they are shared with), so the access
policy (relations/policies.py) can scope it. Survey answers of anonymous rounds are stored without
any link to the person (see SurveyResponse).
"""

from .base import ALLOWED_FILE_EXTENSIONS, MAX_FILE_BYTES, Side, side_of
from .cases import CASE_FLOW, Case, CaseEscalation, CaseEvent, CaseFile, CaseStatus, case_file_path
from .engagements import Engagement, EngagementFile, EngagementKind, EngagementStatus, engagement_file_path
from .health import HealthSnapshot
from .kudos import Kudos
from .notices import Notice, NoticeKind, Severity
from .roadmap import RoadmapCategory, RoadmapComment, RoadmapItem, RoadmapStatus
from .surveys import MIN_ANSWERS_PER_SIDE, SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyRound
from .timeline import TimelineCategory, TimelineEvent

__all__ = [
    "ALLOWED_FILE_EXTENSIONS",
    "CASE_FLOW",
    "MAX_FILE_BYTES",
    "MIN_ANSWERS_PER_SIDE",
    "Case",
    "CaseEscalation",
    "CaseEvent",
    "CaseFile",
    "CaseStatus",
    "Engagement",
    "EngagementFile",
    "EngagementKind",
    "EngagementStatus",
    "HealthSnapshot",
    "Kudos",
    "Notice",
    "NoticeKind",
    "RoadmapCategory",
    "RoadmapComment",
    "RoadmapItem",
    "RoadmapStatus",
    "Severity",
    "Side",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyRound",
    "TimelineCategory",
    "TimelineEvent",
    "case_file_path",
    "engagement_file_path",
    "side_of",
]
