from django.db.models import Q

from partnerportal import policy

from .models import Contact, Organization, Site, User


def register():
    """Describe the app's models to the access policy (called once, by the app's ready())."""
    policy.register(
        Organization,
        partner_path="pk",
        partner_filter=Q(is_active=True),
        manager={policy.VIEW, policy.ADD, policy.CHANGE},
    )
    policy.register(Site, partner_path="organization", manager={policy.VIEW, policy.ADD, policy.CHANGE})
    policy.register(Contact, partner_path="organization")
    policy.register(User, partner_path="organization", manager={policy.VIEW})
    # Host staff see an organisation's internal fields (notes, who is responsible).
    policy.define(Organization, "see_internal", roles=policy.HOST_ROLES)
