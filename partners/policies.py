from django.db.models import Q

from partnerportal import policy

from .models import Contact, Invitation, InvitationState, Organization, Site, User


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

    # People (invitations, roles, (de)activation): see the block at the end of partnerportal/policy.py.
    # Host staff see every organisation's people and invitations, partner users their own organisation's.
    policy.register(Invitation, partner_path="organization", manager={policy.VIEW})
    policy.define(Organization, "invite", roles=policy.PEOPLE_ADMINS)
    pending = Q(state=InvitationState.PENDING)
    policy.define(Invitation, "resend", roles=policy.PEOPLE_ADMINS, where=lambda user: pending)
    policy.define(Invitation, "revoke", roles=policy.PEOPLE_ADMINS, where=lambda user: pending)

    def people_of_managed_roles(user):
        # A partner manager acts on partner roles only (their own organisation's: the view scope).
        roles = policy.ALL_ROLES if policy.is_admin(user) else policy.PARTNER_ROLES
        return Q(role__in=roles) & policy.not_oneself(user)

    def active(user):
        return people_of_managed_roles(user) & Q(is_active=True)

    def inactive(user):
        return people_of_managed_roles(user) & Q(is_active=False)

    policy.define(User, "change_role", roles=policy.PEOPLE_ADMINS, where=active)
    policy.define(User, "deactivate", roles=policy.PEOPLE_ADMINS, where=active)
    policy.define(User, "reactivate", roles=policy.PEOPLE_ADMINS, where=inactive)
