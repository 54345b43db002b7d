"""How the meetings models relate to a partner, and who may do what (see partnerportal.policy).

Partner users see their own organisation's series, meetings and action items, and the topics
that are not internal. Partner managers add topics; owners update their own action items (the
service checks ownership: the policy lets partner users reach the change, the service narrows
it to the items they own).
"""

from django.db.models import Q

from partnerportal import policy

from .models import ActionItem, AgendaTopic, Meeting, MeetingSeries


def register():
    """Describe the app's models to the access policy (called once, by the app's ready())."""
    policy.register(MeetingSeries, partner_path="partner")
    policy.register(Meeting, partner_path="partner")
    policy.register(
        AgendaTopic,
        partner_path="partner",
        partner_filter=Q(internal=False),
        partner_manager={policy.VIEW, policy.ADD, policy.CHANGE, policy.DELETE},
    )
    # Partner viewers read; changing an item is host work, its status also its owner's (a partner
    # manager), and only host staff cancel one.
    policy.register(ActionItem, partner_path="partner")
    policy.define(
        ActionItem,
        "set_status",
        roles=policy.HOST_ROLES | {policy.PARTNER_MANAGER},
        where=lambda user: Q() if policy.is_host(user) else Q(owner=user),
    )
    policy.define(ActionItem, "cancel", roles=policy.HOST_ROLES)
    # Host staff see what is not yet shared: draft minutes, internal topics and KPIs, and mark topics internal.
    policy.define(Meeting, "see_internal", roles=policy.HOST_ROLES)
    policy.define(AgendaTopic, "mark_internal", roles=policy.HOST_ROLES)
    # A series on a custom RFC 5545 rule is an admin's tool; organisers may add their own series to feeds.
    policy.define(MeetingSeries, "custom_rule", roles={policy.ADMIN})
    policy.define(MeetingSeries, "organise", roles=policy.HOST_ROLES)
