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
    Side,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    TimelineEvent,
)

V, A, C = policy.VIEW, policy.ADD, policy.CHANGE


def _other_side(user):
    """Notices and cases are acknowledged by the side that did not post them."""
    return ~Q(side=Side.HOST if policy.is_host(user) else Side.PARTNER)


def register():
    """Describe the app's models to the access policy (called once, by the app's ready())."""
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
    # Partner viewers read what is shared with them; writing is for partner managers.
    policy.register(RoadmapComment, partner_path="partner", partner_manager={V, A})
    policy.register(Kudos, partner_path="partner", partner_manager={V, A})
    policy.register(SurveyRound, partner_path="partner")
    policy.register(SurveyInvitation, partner_path="round__partner", manager={V}, admin={V})
    policy.register(SurveyResponse, partner_path="round__partner", manager={V}, admin={V})
    policy.register(HealthSnapshot, partner_path="partner", manager={V}, admin={V})
    policy.register(TimelineEvent, partner_path="partner", partner_filter=Q(internal=False), manager={V}, admin={V})
    # Named actions (the services check state, e.g. "not yet acknowledged"; these say who).
    policy.define(Notice, "acknowledge", roles=policy.HOST_ROLES | {policy.PARTNER_MANAGER}, where=_other_side)
    policy.define(Case, "acknowledge", roles=policy.HOST_ROLES | {policy.PARTNER_MANAGER}, where=_other_side)
    # Host staff agree action items on a case (they are the meetings app's action items).
    policy.define(Case, "agree_action", roles=policy.HOST_ROLES)
    policy.define(HealthSnapshot, "recompute", roles=policy.HOST_ROLES)
    # Who a plan is shared with, and answering in a chosen partner's thread, are host matters.
    policy.define(RoadmapItem, "see_sharing", roles=policy.HOST_ROLES)
    policy.define(RoadmapComment, "answer_in_thread", roles=policy.HOST_ROLES)
    policy.define(SurveyRound, "see_progress", roles=policy.HOST_ROLES)
