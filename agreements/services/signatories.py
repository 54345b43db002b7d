"""Who signs a version for each party, and who still has to."""

from partnerportal import policy
from partners.selectors import host_managers, portal_users

from ..models import Party


def is_host_signatory(user) -> bool:
    return policy.is_host(user) and (user.is_superuser or getattr(user.organization, "is_host", False))


def is_partner_signatory(user, partner) -> bool:
    return policy.role_of(user) == policy.PARTNER_MANAGER and user.organization_id == partner.pk


def host_signatories():
    return host_managers()


def partner_signatories(partner):
    return portal_users(policy.partner_managers()).filter(organization=partner)


def review_owners(version) -> list:
    """Who is told that a version is due for review: per side, the portal users its roles and
    responsibilities name; a side that names none (only contacts without a login, or people who
    have left) falls back to that side's signatories."""
    partner = version.agreement.partner
    named = version.responsibility_set.filter(user__isnull=False).values("user_id")
    people = []
    for party, fallback, organization in (
        (Party.HOST, host_signatories(), {"organization__kind": policy.HOST_KIND}),
        (Party.PARTNER, partner_signatories(partner), {"organization": partner}),
    ):
        owners = list(portal_users().filter(is_active=True, pk__in=named.filter(party=party), **organization))
        people.extend(owners or fallback)
    return list(dict.fromkeys(people))


def signatories_pending(version) -> list:
    """People who may still sign `version`: the sides that have not signed yet."""
    signed = set(version.signatures.values_list("party", flat=True))
    people = []
    if Party.HOST not in signed:
        people.extend(host_signatories())
    if Party.PARTNER not in signed:
        people.extend(partner_signatories(version.agreement.partner))
    return people


def signing_party(user) -> str | None:
    """The side a person signs for, if any (host staff of the host company; a partner manager)."""
    if is_host_signatory(user):
        return Party.HOST
    if policy.role_of(user) == policy.PARTNER_MANAGER and user.organization_id:
        return Party.PARTNER
    return None


def party_of(user, version) -> str | None:
    if is_host_signatory(user):
        return Party.HOST
    if is_partner_signatory(user, version.agreement.partner):
        return Party.PARTNER
    return None
