from django.db import transaction

from partnerportal import policy

from .models import Organization, Site


@transaction.atomic
def organization_save(*, user, organization: Organization) -> Organization:
    action = policy.CHANGE if organization.pk else policy.ADD
    if not policy.allows(user, action, Organization):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def site_save(*, user, site: Site) -> Site:
    action = policy.CHANGE if site.pk else policy.ADD
    if not policy.allows(user, action, Site):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    site.full_clean()
    site.save()
    return site
