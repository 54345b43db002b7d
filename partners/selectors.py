from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from partnerportal import policy

from .models import (
    Contact,
    Invitation,
    InvitationState,
    Organization,
    OrganizationKind,
    Site,
    User,
    invitation_token_hash,
)


def partner_list(*, user, search: str = "", kind: str = "", include_inactive: bool = False) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Organization.objects.partners())
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(city__icontains=search) | Q(registration_number__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(site_count=Count("sites", distinct=True), member_count=Count("members", distinct=True)).order_by(
        "name"
    )


def partner_detail(*, user, pk, action=policy.VIEW) -> Organization:
    """One partner for `action`: 404 outside the user's view scope, 403 if only viewable."""
    return policy.get_object(user, action, Organization.objects.partners(), pk=pk)


def partner_from_query(*, user, value) -> Organization | None:
    """What `?partner=` means on every page: nothing given is no filter (None); a partner the user
    may see is that partner; anything else (not a number, unknown, another partner's) is a 404."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404
    return partner_detail(user=user, pk=int(value))


def organization_sites(*, user, organization) -> QuerySet:
    # One organisation: the default order (organisation name, name) is by name, without joining the organisation.
    return policy.scope(user, policy.VIEW, Site).filter(organization=organization, is_active=True).order_by("name")


def organization_members(*, user, organization) -> QuerySet:
    return (
        policy.scope(user, policy.VIEW, User)
        .filter(organization=organization, is_active=True)
        .order_by("first_name", "last_name")
    )


def people_of(*, organization, who=None) -> QuerySet:
    """Active users of an organisation, optionally narrowed by one of the policy's people filters
    (e.g. `policy.partner_managers()`), for notification recipients."""
    qs = User.objects.filter(organization=organization, is_active=True)
    if who is not None:
        qs = qs.filter(who)
    return qs


def host_managers() -> QuerySet:
    """Host staff: the people who run the partnerships (admins and warehouse managers)."""
    return User.objects.filter(policy.host_staff())


def partner_queryset() -> QuerySet:
    """All partner organisations (not the host), unscoped: narrow with policy.scope for a user."""
    return Organization.objects.partners()


def host_id() -> int | None:
    """The id of the host organisation (None while there is none)."""
    return Organization.objects.host().values_list("pk", flat=True).first()


def site_queryset() -> QuerySet:
    """All sites (the host's and the partners'), unscoped: narrow with policy.scope for a user."""
    return Site.objects.all()


def portal_users(who=None) -> QuerySet:
    """All portal users, or those `who` (a Q, e.g. one of the policy's people filters) picks; unscoped."""
    qs = User.objects.all()
    if who is not None:
        qs = qs.filter(who)
    return qs


def partner_choices(*, user) -> QuerySet:
    """The partners the user may see, active or not, by name (the `?partner=` drop-downs)."""
    return policy.scope(user, policy.VIEW, partner_queryset()).order_by("name")


def active_partners() -> QuerySet:
    """Active partner organisations by name (partner pickers whose access the service checks)."""
    return partner_queryset().filter(is_active=True).order_by("name")


def active_people() -> QuerySet:
    """Active users of every organisation, with their organisation (people pickers)."""
    return User.objects.filter(is_active=True).select_related("organization")


def host_and_partner_people(*, partners) -> QuerySet:
    """Active users of the host company and of the given partner organisations (a queryset of them)."""
    return User.objects.filter(is_active=True).filter(
        Q(organization__kind=policy.HOST_KIND) | Q(organization__in=partners)
    )


def host_staff_and_people_of(*, organization) -> QuerySet:
    """Active host staff and the active people of `organization`."""
    return User.objects.filter(is_active=True).filter(Q(organization=organization) | policy.host_staff())


def all_organizations() -> QuerySet:
    """Every organisation, host and partners, not yet restricted by the access policy."""
    return Organization.objects.all()


def organization_for(*, user, pk, action=policy.VIEW) -> Organization:
    """One organisation (host or partner) for `action`: 404 out of view scope, 403 if only viewable."""
    return policy.get_object(user, action, Organization, pk=pk)


def site_for(*, user, pk, action=policy.VIEW) -> Site:
    """One site with its organisation for `action`: 404 out of view scope, 403 if only viewable."""
    return policy.get_object(user, action, Site.objects.select_related("organization"), pk=pk)


def host_organization() -> Organization | None:
    """The host company, if it exists yet."""
    return Organization.objects.host().first()


def host_name() -> str | None:
    """The host company's name (None before it exists)."""
    return Organization.objects.host().values_list("name", flat=True).first()


def people_by_name(*, organization) -> QuerySet:
    """Active users of an organisation by name, to choose a person from."""
    return User.objects.filter(organization=organization, is_active=True).order_by("first_name", "last_name")


def contacts_of(*, organization) -> QuerySet:
    """An organisation's contacts (people without a login) by name."""
    return Contact.objects.filter(organization=organization).order_by("name")


def measurement_sites(*, partner) -> QuerySet:
    """Active sites a partner's measurements may name: the partner's own and the host's."""
    host = Site.objects.filter(organization__kind=OrganizationKind.HOST).values_list("organization", flat=True)[:1]
    return Site.objects.filter(organization__in=[partner.pk, *host], is_active=True)


def partners_with_active_sites() -> QuerySet:
    """Every partner with its active sites, not yet restricted by the access policy (the API scopes it)."""
    return Organization.objects.partners().prefetch_related(
        Prefetch("sites", queryset=Site.objects.filter(is_active=True))
    )


PICKER_LIMIT = 20


def partner_picker(*, user, query: str = "", limit: int = PICKER_LIMIT) -> list[Organization]:
    """At most `limit` partners the user may see (active or not) whose name contains `query`, those whose
    name starts with it first, then by name: what the searchable partner picker offers."""
    query = query.strip()
    qs = policy.scope(user, policy.VIEW, partner_queryset())
    if query:
        qs = qs.filter(name__icontains=query).annotate(
            starts=Case(When(name__istartswith=query, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        qs = qs.order_by("starts", "name", "pk")
    else:
        qs = qs.order_by("name", "pk")
    return list(qs[:limit])


@dataclass
class PartnerPick:
    """What a list's partner picker says: the partner to filter by (None: all), the text in the box and,
    when the text named no single partner, the partners it matches (to choose from)."""

    partner: Organization | None = None
    text: str = ""
    matches: list = field(default_factory=list)
    unresolved: bool = False


def partner_from_picker(*, user, params, key: str = "partner") -> PartnerPick:
    """`?partner=<id>&partner_name=<text>` from the searchable picker, with or without JavaScript.

    Without the text field (a link such as `?partner=5`) it is `partner_from_query`: unknown or another
    partner's id is a 404. An empty text means every partner. A text that is the chosen partner's name
    keeps that partner (the script sets the id); any other text is resolved by name among the partners
    the user may see: an exact name, else a single match; several or none leave the list unfiltered
    and come back as `matches` to choose from.
    """
    value = params.get(key)
    name_key = f"{key}_name"
    if name_key not in params:
        partner = partner_from_query(user=user, value=value)
        return PartnerPick(partner=partner, text=partner.name if partner else "")
    text = params.get(name_key, "").strip()[:200]
    if not text:
        return PartnerPick()
    if (value or "").strip():
        partner = partner_from_query(user=user, value=value)
        if partner.name.casefold() == text.casefold():
            return PartnerPick(partner=partner, text=partner.name)
    matches = partner_picker(user=user, query=text, limit=PICKER_LIMIT + 1)
    exact = [p for p in matches if p.name.casefold() == text.casefold()]
    if len(exact) == 1 or len(matches) == 1:
        partner = (exact or matches)[0]
        return PartnerPick(partner=partner, text=partner.name)
    return PartnerPick(text=text, matches=matches[:PICKER_LIMIT], unresolved=True)


# The partner hub (issue 16): the partner with what its side column shows, in two queries.


def partner_hub(*, user, pk) -> Organization:
    """The partner for its hub: partner_detail's access check (404 outside the view scope), with
    `can_change` (may the user edit it? asked of the policy) read in the same query."""
    from django.db.models import Exists, OuterRef

    may_change = policy.scope(user, policy.CHANGE, Organization).filter(pk=OuterRef("pk"))
    qs = Organization.objects.partners().annotate(can_change=Exists(may_change))
    return policy.get_object(user, policy.VIEW, qs, pk=pk)


@dataclass(frozen=True)
class HubSite:
    pk: int
    name: str
    code: str
    city: str


@dataclass(frozen=True)
class HubMember:
    name: str
    role: str
    title: str


def _hub_member(*, first, last, username, role, title):
    name = f"{first} {last}".strip() or username  # User.get_full_name() or the username, as str(user)
    return HubMember(name=name, role=dict(User._meta.get_field("role").choices).get(role, role), title=title)


def organization_sites_and_members(*, user, organization) -> tuple[list[HubSite], list[HubMember]]:
    """The active sites (by name) and people (by first and last name) of `organization` that the user
    may see, as organization_sites and organization_members give them, read together in one query
    with only the fields the hub shows. A person's name is `str(user)`; `role` is the role's label."""
    from django.db.models import CharField, F

    def text(value):
        return Value(value, output_field=CharField())

    sites = (
        organization_sites(user=user, organization=organization)
        .order_by()
        .annotate(row=text("site"), a=F("name"), b=F("code"), c=F("city"), d=text(""), e=text(""))
        .values_list("row", "pk", "a", "b", "c", "d", "e")
    )
    members = (
        organization_members(user=user, organization=organization)
        .order_by()
        .annotate(row=text("member"), a=F("first_name"), b=F("last_name"), c=F("username"), d=F("role"), e=F("title"))
        .values_list("row", "pk", "a", "b", "c", "d", "e")
    )
    found_sites, found_members = [], []
    for row, pk, a, b, c, d, e in sites.union(members, all=True).order_by("row", "a", "b", "c"):
        if row == "site":
            found_sites.append(HubSite(pk=pk, name=a, code=b, city=c))
        else:
            found_members.append(_hub_member(first=a, last=b, username=c, role=d, title=e))
    return found_sites, found_members


# --- People: the organisation's users and invitations ----------------------------------------------


def organization_people(*, user, organization) -> QuerySet:
    """Every person of an organisation the user may see, active or not, with `has_mfa` (a second factor
    other than recovery codes) computed in the same query; the active first, by name."""
    from allauth.mfa.models import Authenticator

    second_factor = Authenticator.objects.filter(user=OuterRef("pk")).exclude(type=Authenticator.Type.RECOVERY_CODES)
    return (
        policy.scope(user, policy.VIEW, User)
        .filter(organization=organization)
        .annotate(has_mfa=Exists(second_factor))
        .order_by("-is_active", "first_name", "last_name", "pk")
    )


def people_ids_for(*, user, organization, action: str) -> set[int]:
    """Ids of the organisation's people the user may take `action` on (change_role, deactivate, reactivate)."""
    return set(policy.scope(user, action, User).filter(organization=organization).values_list("pk", flat=True))


def sole_partner_manager_id(*, organization) -> int | None:
    """The organisation's one active partner manager, whom nobody may demote or deactivate (services'
    last-manager rule), or None when it has several or none (and for the host)."""
    if organization.is_host:
        return None
    managers = list(
        User.objects.filter(organization=organization)
        .filter(policy.partner_managers())
        .values_list("pk", flat=True)[:2]
    )
    return managers[0] if len(managers) == 1 else None


def pending_invitations(*, user, organization) -> QuerySet:
    """The organisation's pending invitations (expired ones too: they can be resent), newest first."""
    return (
        policy.scope(user, policy.VIEW, Invitation)
        .filter(organization=organization, state=InvitationState.PENDING)
        .select_related("invited_by")
        .order_by("-sent_at", "-pk")
    )


def invitation_for(*, user, pk, action=policy.VIEW) -> Invitation:
    """One invitation for `action`: 404 outside the user's view scope, 403 if only viewable."""
    return policy.get_object(user, action, Invitation.objects.select_related("organization"), pk=pk)


def person_for(*, user, pk, action=policy.VIEW) -> User:
    """One person for `action`: 404 outside the user's view scope, 403 if only viewable."""
    return policy.get_object(user, action, User.objects.select_related("organization"), pk=pk)


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation a link's token opens (public: the token is the credential), or None."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


PASSWORD_SIGN_IN = "password"
SSO_SIGN_IN = "sso"


@dataclass(frozen=True)
class InvitationSignIn:
    """How an invitee will sign in: a local password, or the organisation's single sign-on (`provider`,
    a partnerportal.sso.SignInOption with its name and login_url)."""

    method: str
    provider: object | None = None


def invitation_sign_in_method(*, invitation) -> InvitationSignIn:
    """How the invitee of `invitation` will sign in: the one place the accept page asks.

    An organisation with single sign-on (the host's issuer for the host, a partner's own issuer for
    that partner: partnerportal.sso.sso_available_for) signs its people in there, so the accept page
    asks only for the name and sends the new person on to the issuer; everyone else chooses a password.
    """
    from partnerportal import sso

    provider = sso.sso_available_for(invitation.organization)
    if provider is not None:
        return InvitationSignIn(SSO_SIGN_IN, provider)
    return InvitationSignIn(PASSWORD_SIGN_IN)
