from django.db.models import Q

from partnerportal import policy

from .models import (
    Case,
    CaseEscalation,
    CaseEvent,
    CaseFile,
    Engagement,
    EngagementFile,
    HealthSnapshot,
    Kudos,
    Notice,
    RoadmapComment,
    RoadmapItem,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    TimelineEvent,
)

V, A, C = policy.VIEW, policy.ADD, policy.CHANGE

# Partner managers post notices, raise cases and acknowledge; viewers read.
policy.register(Notice, partner_path="partner", partner_manager={V, A, C})
policy.register(Case, partner_path="partner", partner_manager={V, A, C})
policy.register(CaseEvent, partner_path="case__partner")
policy.register(CaseFile, partner_path="case__partner", partner_manager={V, A})
policy.register(CaseEscalation, partner_path="case__partner")
policy.register(Engagement, partner_path="partner")
policy.register(EngagementFile, partner_path="engagement__partner")
# A roadmap item is visible to the partners it is shared with; unshared items are internal.
policy.register(RoadmapItem, partner_path="shared_with")
policy.register(RoadmapComment, partner_path="partner", partner_manager={V, A}, partner_viewer={V, A})
policy.register(Kudos, partner_path="partner", partner_manager={V, A}, partner_viewer={V, A})
policy.register(SurveyRound, partner_path="partner")
policy.register(SurveyInvitation, partner_path="round__partner", manager={V}, admin={V})
policy.register(SurveyResponse, partner_path="round__partner", manager={V}, admin={V})
policy.register(HealthSnapshot, partner_path="partner", manager={V}, admin={V})
policy.register(TimelineEvent, partner_path="partner", partner_filter=Q(internal=False), manager={V}, admin={V})
