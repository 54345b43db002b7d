import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import hub, policy
from partnerportal.links import absolute
from partnerportal.notifications import kinds as notification_kinds
from partnerportal.notifications import services as outbox

from . import selectors
from .models import (
    AccountEvent,
    AccountEventKind,
    BrowserSession,
    Contact,
    Invitation,
    InvitationState,
    Organization,
    Role,
    Site,
    User,
    invitation_token_hash,
)
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
    # Every session is written with its person (partners/sessions.py), whatever signed them in.
    BrowserSession.objects.filter(user_id__in=user_ids).delete()
    UserSession.objects.filter(user_id__in=user_ids).delete()  # allauth's "Your sessions" list
    Token.objects.filter(user_id__in=user_ids).delete()
    access_revoked.send(sender=User, user_ids=sorted(user_ids))


def sessions_clear_expired() -> int:
    """Delete the expired sessions (what `manage.py clearsessions` does) and the rows of "Your sessions"
    whose session is gone; daily, by beat. Returns how many sessions were deleted."""
    deleted, _by_model = BrowserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    UserSession.objects.exclude(session_key__in=BrowserSession.objects.values("session_key")).delete()
    return deleted


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


# --- People: invitations, roles, deactivation with offboarding, reactivation -------------------------
#
# Who may do what is the policy's (partnerportal/policy.py, "People" block; partners/policies.py): host
# admins everywhere, a partner manager in their own organisation on partner roles, nobody else. Every
# step writes an AccountEvent (actor = who did it). An organisation keeps at least one active partner
# manager: a demotion or deactivation locks the organisation's row first, so two at once are decided
# one after the other and the second sees the first.


def _new_token(invitation: Invitation) -> str:
    """A fresh single-use token: only its hash is stored; the link in the e-mail carries the token."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = invitation_token_hash(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    return token


def _account_of(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).select_related("organization").order_by("pk").first()


def _queue_invitation_mail(invitation: Invitation, token: str) -> None:
    """The invitation e-mail through the outbox, in the invitee's language, with the link.

    If the address already has an account (someone of another organisation, whom a partner manager
    may not be told about), its owner gets a note that someone tried to invite them instead of a
    link: nothing is created and nobody is moved.
    """
    outbox.withdraw(key_prefix=f"invitation:{invitation.pk}:")  # an older link's unsent e-mail
    context = {
        "invitation": invitation,
        "organization": invitation.organization.name,
        "role": Role(invitation.role).label,  # lazy: named in the e-mail's language, not the inviter's
        "inviter": str(invitation.invited_by) if invitation.invited_by else "",
        "expires_at": invitation.expires_at,
        "url": absolute("partners:invitation_accept", token),
    }
    existing = _account_of(invitation.email)
    if existing is not None:
        outbox.notify(
            recipients=[existing],
            kind=notification_kinds.ACCOUNT,
            key=f"invitation:{invitation.pk}:{invitation.token_hash[:16]}:exists",
            template="partners/email/invitation_account_exists",
            context={**context, "url": settings.SITE_URL + resolve_url(settings.LOGIN_URL)},
            email=True,
        )
        return
    outbox.notify_address(
        address=invitation.email,
        language=invitation.language,
        kind=notification_kinds.ACCOUNT,
        key=f"invitation:{invitation.pk}:{invitation.token_hash[:16]}",
        template="partners/email/invitation",
        context=context,
    )


@dataclass
class InviteResult:
    invitation: Invitation
    resent: bool  # an invitation to the address was pending already: it was sent again instead


def _invite_role(*, user, organization, role) -> None:
    if not policy.can(user, "invite", organization):
        raise PermissionDenied
    if role not in policy.assignable_roles(user, organization):
        raise ValidationError({"role": _("This role cannot be given in this organisation.")})
    if not organization.is_active:
        message = _("%(organization)s is deactivated: nobody can join it.")
        raise ValidationError(message % {"organization": organization})


@transaction.atomic
def invitation_invite(*, user, organization: Organization, email: str, role: str, language: str = "", request=None):
    """Invite `email` into `organization` with `role`; a pending invitation to the same address is resent.

    An address that already has an account: host admins are told whose it is, a partner manager only
    when the person is in their own organisation. For anyone else's address a partner manager gets the
    same answer as for a new one, and the address's owner is told by e-mail (see _queue_invitation_mail).
    """
    _invite_role(user=user, organization=organization, role=role)
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": _("Enter an e-mail address.")})
    language = language or organization_language(user=user)
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose a language.")})
    existing = _account_of(email)
    if existing is not None:
        if policy.is_admin(user):
            raise ValidationError(
                {
                    "email": _("%(email)s already has an account: %(name)s, %(organization)s.")
                    % {"email": email, "name": existing, "organization": existing.organization or "–"}
                }
            )
        if existing.organization_id == organization.pk:
            raise ValidationError(
                {"email": _("%(name)s is already one of your organisation's people.") % {"name": existing}}
            )
    # From here an address with an account (someone of another organisation, asked by a partner manager)
    # goes on like a new one: a pending invitation is listed, but its e-mail only tells the owner that
    # someone tried (no link), and it can never be accepted (invitation_check: the address has an account).
    pending = (
        Invitation.objects.select_for_update()
        .filter(organization=organization, email__iexact=email, state=InvitationState.PENDING)
        .first()
    )
    if pending is not None:
        pending.role, pending.language = role, language
        return InviteResult(invitation=_resend(user=user, invitation=pending, request=request), resent=True)
    invitation = Invitation(organization=organization, email=email, role=role, language=language, invited_by=user)
    token = _new_token(invitation)
    invitation.full_clean()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError({"email": _("An invitation to this address was sent just now.")}) from None
    _queue_invitation_mail(invitation, token)
    account_event_record(
        kind=AccountEventKind.INVITATION_SENT,
        actor=user,
        request=request,
        identifier=email,
        detail=invitation.role,  # named in the reader's language (AccountEvent.detail_text)
        organization=organization,
    )
    return InviteResult(invitation=invitation, resent=False)


def organization_language(*, user) -> str:
    """The language an invitation defaults to: the inviter's (people of one organisation share it mostly)."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _resend(*, user, invitation: Invitation, request=None) -> Invitation:
    token = _new_token(invitation)
    invitation.invited_by = invitation.invited_by or user
    invitation.full_clean()
    invitation.save()
    _queue_invitation_mail(invitation, token)
    account_event_record(
        kind=AccountEventKind.INVITATION_RESENT,
        actor=user,
        request=request,
        identifier=invitation.email,
        detail=invitation.role,  # named in the reader's language (AccountEvent.detail_text)
        organization=invitation.organization,
    )
    return invitation


def _locked_invitation(*, user, invitation: Invitation, action: str) -> Invitation:
    if not policy.can(user, action, invitation):
        raise PermissionDenied
    return Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)


@transaction.atomic
def invitation_resend(*, user, invitation: Invitation, request=None) -> Invitation:
    """A new link and a new expiry; the old link stops working."""
    invitation = _locked_invitation(user=user, invitation=invitation, action="resend")
    if invitation.state != InvitationState.PENDING:
        raise ValidationError(_("This invitation was accepted or revoked already."))
    return _resend(user=user, invitation=invitation, request=request)


@transaction.atomic
def invitation_revoke(*, user, invitation: Invitation, request=None) -> Invitation:
    invitation = _locked_invitation(user=user, invitation=invitation, action="revoke")
    if invitation.state != InvitationState.PENDING:
        raise ValidationError(_("This invitation was accepted or revoked already."))
    invitation.state = InvitationState.REVOKED
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["state", "closed_at"])
    outbox.withdraw(key_prefix=f"invitation:{invitation.pk}:")
    account_event_record(
        kind=AccountEventKind.INVITATION_REVOKED,
        actor=user,
        request=request,
        identifier=invitation.email,
        organization=invitation.organization,
    )
    return invitation


class InvitationUnusable(Exception):
    """The link cannot be used: `reason` is unknown, expired, revoked or used."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invitation_check(invitation: Invitation | None) -> Invitation:
    """The invitation if its link may be used now, else InvitationUnusable saying why."""
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.state == InvitationState.ACCEPTED:
        raise InvitationUnusable("used", invitation)
    if invitation.state == InvitationState.REVOKED or not invitation.organization.is_active:
        raise InvitationUnusable("revoked", invitation)
    if invitation.is_expired:
        raise InvitationUnusable("expired", invitation)
    if _account_of(invitation.email) is not None:
        raise InvitationUnusable("used", invitation)
    return invitation


def _username_for(email: str) -> str:
    base = email.lower()[:150]
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        suffix = f"-{n}"
        username = base[: 150 - len(suffix)] + suffix
    return username


@transaction.atomic
def invitation_accept(
    *, token: str, password: str | None, first_name: str, last_name: str, request=None, sso: bool = False
) -> User:
    """Create the invitee's account (organisation, role, language) from a usable link; the link is then used.

    Raises InvitationUnusable for a link that cannot be used and ValidationError for bad input
    (the password by Django's validators); either way nothing is created. With `sso` the person gets
    no password: they sign in through their organisation's single sign-on (matched by e-mail).
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )
    invitation = invitation_check(invitation)
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    errors = {}
    if not first_name:
        errors["first_name"] = [_("Enter your first name.")]
    if not last_name:
        errors["last_name"] = [_("Enter your last name.")]
    person = User(
        username=_username_for(invitation.email),
        email=invitation.email,
        first_name=first_name[:150],
        last_name=last_name[:150],
        organization=invitation.organization,
        role=invitation.role,
        language=invitation.language,
    )
    if not sso:
        try:
            password_validation.validate_password(password or "", user=person)
        except ValidationError as error:
            errors["password1"] = error.messages
    if errors:
        raise ValidationError(errors)
    if sso:
        person.set_unusable_password()
    else:
        person.set_password(password)
    person.full_clean()
    person.save()
    invitation.state = InvitationState.ACCEPTED
    invitation.accepted_user = person
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["state", "accepted_user", "closed_at"])
    outbox.withdraw(key_prefix=f"invitation:{invitation.pk}:")
    account_event_record(
        kind=AccountEventKind.INVITATION_ACCEPTED,
        user=person,
        actor=invitation.invited_by,
        request=request,
        detail=invitation.role + (" sso" if sso else ""),
    )
    return person


@transaction.atomic
def invitation_ask_again(*, token: str) -> bool:
    """From an expired or revoked link: tell whoever invited the person (once per invitation) that they
    would like a new invitation. Returns whether the link was one that may ask."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )
    try:
        invitation_check(invitation)
    except InvitationUnusable as unusable:
        if unusable.reason not in ("expired", "revoked") or invitation.invited_by is None:
            return False
    else:
        return False
    inviter = invitation.invited_by
    outbox.notify(
        recipients=[inviter],
        kind=notification_kinds.ACCOUNT,
        key=f"invitation:{invitation.pk}:asked-again",
        template="partners/email/invitation_asked_again",
        context={"invitation": invitation, "url": absolute("partners:people", invitation.organization_id)},
        url=reverse("partners:people", args=[invitation.organization_id]),
        partner=None if invitation.organization.is_host else invitation.organization,
    )
    return True


# Roles and (de)activation.


def _lock_person(*, user, person: User, action: str) -> tuple[User, Organization]:
    """Check the action, then lock the person's organisation (the last-manager rule) and the person."""
    if not policy.can(user, action, person):
        raise PermissionDenied
    organization = Organization.objects.select_for_update().get(pk=person.organization_id)
    return User.objects.select_for_update().get(pk=person.pk), organization


def _keeps_a_partner_manager(*, person: User, organization: Organization) -> None:
    # The People section offers no controls on the same person (hub.people_section asks the same selector).
    if selectors.sole_partner_manager_id(organization=organization) == person.pk:
        raise ValidationError(
            _(
                "%(name)s is the last active partner manager of %(organization)s. Make someone else partner "
                "manager first: an organisation keeps at least one."
            )
            % {"name": person, "organization": organization}
        )


@transaction.atomic
def person_change_role(*, user, person: User, role: str, request=None) -> User:
    person, organization = _lock_person(user=user, person=person, action="change_role")
    if role not in policy.assignable_roles(user, organization):
        raise ValidationError({"role": _("This role cannot be given in this organisation.")})
    if role == person.role:
        return person
    if person.is_superuser:
        # A superuser counts as an admin whatever the role says: that is changed in the Django admin.
        raise ValidationError(_("%(name)s is a superuser: change their rights in the Django admin.") % {"name": person})
    if role != policy.PARTNER_MANAGER:
        _keeps_a_partner_manager(person=person, organization=organization)
    before = person.role
    person.role = role
    person.full_clean()
    person.save(update_fields=["role"])
    account_event_record(
        kind=AccountEventKind.ROLE_CHANGED,
        user=person,
        actor=user,
        request=request,
        detail=f"{before} → {person.role}",
    )
    return person


def offboarding_for(*, person: User) -> list[tuple]:
    """What the confirmation page offers to hand over: (step, what the person owns) for each step with something."""
    found = []
    for step in hub.offboarding_steps():
        owned = step.describe(person)
        if owned:
            found.append((step, owned))
    return found


def successor_choices(*, person: User):
    """Who can take over a leaving person's things: the other active people of their organisation."""
    return User.objects.filter(organization_id=person.organization_id, is_active=True).exclude(pk=person.pk)


@transaction.atomic
def person_deactivate(*, user, person: User, hand_over: dict | None = None, request=None) -> User:
    """Deactivate a person: their sessions, API token and calendar feeds end (revoke_access, by the save),
    their queued notifications are withdrawn, and what `hand_over` names ({step key: successor}) is
    given to the successor. Nothing of their history is deleted."""
    person, organization = _lock_person(user=user, person=person, action="deactivate")
    _keeps_a_partner_manager(person=person, organization=organization)
    steps = {step.key: step for step in hub.offboarding_steps()}
    handed = []
    for key, successor in (hand_over or {}).items():
        if successor is None:
            continue
        if key not in steps:
            raise ValidationError(_("Unknown hand-over: %(key)s") % {"key": key})
        if not successor_choices(person=person).filter(pk=successor.pk).exists():
            raise ValidationError(_("Choose an active person of the same organisation to take over."))
        count = steps[key].hand_over(person=person, to=successor, actor=user)
        handed.append(f"handover={key}={count}={successor}")
    person.is_active = False
    person.save(update_fields=["is_active"])  # the post_save receiver revokes sessions, token and feeds
    withdrawn = outbox.withdraw_queued_for(user_ids=[person.pk])
    # Language-neutral: the audit log says it in its reader's language (AccountEvent.detail_text).
    detail = "; ".join([*handed, f"withdrawn={withdrawn}"])
    account_event_record(kind=AccountEventKind.DEACTIVATED, user=person, actor=user, request=request, detail=detail)
    return person


@transaction.atomic
def person_reactivate(*, user, person: User, request=None) -> User:
    """Let a deactivated person sign in again (a new sign-in, API token and calendar feed: the old are gone)."""
    person, organization = _lock_person(user=user, person=person, action="reactivate")
    person.is_active = True
    person.save(update_fields=["is_active"])
    account_event_record(kind=AccountEventKind.REACTIVATED, user=person, actor=user, request=request)
    return person
