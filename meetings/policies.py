"""How the meetings models relate to a partner, and who may do what (see partnerportal.policy).

Partner users see their own organisation's series, meetings and action items, and the topics
that are not internal. Partner managers add topics; owners update their own action items (the
service checks ownership: the policy lets partner users reach the change, the service narrows
it to the items they own).
"""

from django.db.models import Q

from partnerportal import policy

from .models import ActionItem, AgendaTopic, Meeting, MeetingSeries

policy.register(MeetingSeries, partner_path="partner")
policy.register(Meeting, partner_path="partner")
policy.register(
    AgendaTopic,
    partner_path="partner",
    partner_filter=Q(internal=False),
    partner_manager={policy.VIEW, policy.ADD, policy.CHANGE, policy.DELETE},
)
policy.register(
    ActionItem,
    partner_path="partner",
    partner_manager={policy.VIEW, policy.CHANGE},
    partner_viewer={policy.VIEW, policy.CHANGE},
)
