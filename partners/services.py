from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from partnerportal import policy

from .models import AccountEvent, Contact, Organization, Site, User
from .signals import access_revoked


def _save(user, instance):
    """Add or change `instance` when the user's role may (by its model), validated."""
    action = policy.CHANGE if instance.pk else policy.ADD
    if not policy.allows(user, action, type(instance)):
        raise PermissionDenied
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def organization_save(*, user, organization: Organization) -> Organization:
    return _save(user, organization)


@transaction.atomic
def site_save(*, user, site: Site) -> Site:
    return _save(user, site)


# --- Deactivation ------------------------------------------------------------------------------
#
# Access is refused on every request for a person who is inactive or whose organisation is
# (partnerportal.backends.may_sign_in: session, API token, calendar feed, login form). On top of
# that, the moment a person or an organisation is deactivated their credentials are revoked:
# sessions and API tokens are deleted here, and other apps drop theirs on `access_revoked`
# (meetings: the calendar feed). Nothing else of theirs is touched; reactivating restores access
# through a new login, token and feed. The flag change itself is in the audit log (history).


@transaction.atomic
def organization_set_active(*, user, organization: Organization, active: bool) -> Organization:
    if not policy.can(user, policy.CHANGE, organization):
        raise PermissionDenied
    organization.is_active = active
    organization.full_clean()
    organization.save()  # the post_save receiver (signals.py) revokes the people's credentials
    return organization


@transaction.atomic
def user_set_active(*, user, person: User, active: bool) -> User:
    if not policy.can(user, policy.CHANGE, person):
        raise PermissionDenied
    person.is_active = active
    person.save()
    return person


def revoke_access(*, user_ids) -> None:
    """Delete every session and API token of these people and tell the other apps to drop theirs."""
    from rest_framework.authtoken.models import Token

    user_ids = {int(pk) for pk in user_ids}
    if not user_ids:
        return
    wanted = {str(pk) for pk in user_ids}
    stale = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
        if str(session.get_decoded().get("_auth_user_id")) in wanted
    ]
    Session.objects.filter(session_key__in=stale).delete()
    Token.objects.filter(user_id__in=user_ids).delete()
    access_revoked.send(sender=User, user_ids=sorted(user_ids))


def revoke_access_of_organization(*, organization_id) -> None:
    revoke_access(user_ids=User.objects.filter(organization_id=organization_id).values_list("pk", flat=True))


def active_flag_changed(*, model, pks) -> None:
    """After a queryset update of `is_active`: the audit trail and, for those now inactive, revocation."""
    objects = list(model._base_manager.filter(pk__in=pks))
    model.history.bulk_history_create(objects, update=True)
    for obj in objects:
        if obj.is_active:
            continue
        if model is Organization:
            revoke_access_of_organization(organization_id=obj.pk)
        else:
            revoke_access(user_ids=[obj.pk])


def contact_ensure(*, organization: Organization, name: str, defaults: dict) -> Contact:
    """The organisation's contact called `name`, created with `defaults` when it has none yet."""
    contact, _created = Contact.objects.get_or_create(organization=organization, name=name, defaults=defaults)
    return contact


def account_event_record(*, kind, user=None, actor=None, request=None, identifier="", detail="", organization=None):
    """Add one row to the account events of the audit log (never changed afterwards)."""
    ip_address, user_agent = None, ""
    if request is not None:
        ip_address = request.META.get("REMOTE_ADDR") or None
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:255]
    if organization is None and user is not None:
        organization = user.organization if user.organization_id else None
    return AccountEvent.objects.create(
        kind=kind,
        user=user,
        actor=actor if actor is not None and actor != user else None,
        organization=organization,
        identifier=(identifier or (user.get_username() if user is not None else ""))[:254],
        detail=str(detail)[:255],
        ip_address=ip_address,
        user_agent=user_agent,
    )
