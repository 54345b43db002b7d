"""The access policy: the one place that turns (user, action, model) into a queryset filter.

Every view, API viewset, export, feed and e-mail recipient list gets its querysets from
`scope()` (or `get_object()`), never from `Model.objects` directly. The hard rule it keeps:
a partner user sees only their own organisation's objects and nothing marked internal; an
object outside a user's view scope answers 404, so a guessed id leaks nothing.

Apps describe their models once with `register()`:

    policy.register(
        Measurement,
        partner_path="partner",                    # ORM path to the partner Organization
        partner_filter=Q(assignment__shared=True),  # what partner users may see at all
        partner_manager={"view", "add"},            # actions partner managers may take
    )

Beyond view/add/change/delete, a model names the other things people do with its objects
(sign, acknowledge, set an action's status, ...) with `define()`: the roles that may, and where
it matters an owner filter that narrows the objects per user. Views, forms, API permissions,
services and templates (`{% may "acknowledge" notice as can_ack %}`) all ask `can()` /
`allows()` / `scope()` with that name; no other module compares roles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
ACTIONS = frozenset({VIEW, ADD, CHANGE, DELETE})

# Roles (stored on the user; see partners.models.User).
ADMIN = "admin"
MANAGER = "manager"
PARTNER_MANAGER = "partner_manager"
PARTNER_VIEWER = "partner_viewer"
HOST_ROLES = frozenset({ADMIN, MANAGER})
# The kind of the one host organisation (partners.models.OrganizationKind.HOST is this value).
HOST_KIND = "host"
PARTNER_ROLES = frozenset({PARTNER_MANAGER, PARTNER_VIEWER})
ALL_ROLES = HOST_ROLES | PARTNER_ROLES


@dataclass(frozen=True)
class NamedAction:
    """A named action on a model: who may take it, and on which of the objects they can see."""

    roles: frozenset
    # where(user) -> Q narrowing the user's visible objects to those they may act on (an owner
    # filter, a state); None means every object the user can see.
    where: Callable | None = None


@dataclass(frozen=True)
class Rule:
    partner_path: str | None
    partner_filter: Q | None = None
    manager: frozenset = ACTIONS
    partner_manager: frozenset = frozenset({VIEW})
    partner_viewer: frozenset = frozenset({VIEW})
    admin: frozenset = ACTIONS
    # Named actions beyond view/add/change/delete: name -> NamedAction (see define()).
    extra: dict = field(default_factory=dict)


_RULES: dict[type[Model], Rule] = {}


# Called after a rule changes (register/define): keepers of SQL compiled from the rules
# (partnerportal.compiled) forget it.
_RULES_CHANGED: list[Callable[[], None]] = []


def on_rules_changed(callback: Callable[[], None]) -> None:
    _RULES_CHANGED.append(callback)


def _rules_changed() -> None:
    for callback in _RULES_CHANGED:
        callback()


def register(
    model: type[Model],
    *,
    partner_path: str | None,
    partner_filter: Q | None = None,
    manager=ACTIONS,
    partner_manager=(VIEW,),
    partner_viewer=(VIEW,),
    admin=ACTIONS,
) -> type[Model]:
    """Describe how `model` relates to a partner and which roles may do what with it.

    `partner_path` is the ORM path from the model to the partner `Organization` ("pk" for the
    organisation itself); None means partner users never see the model (host-only data).
    """
    _RULES[model] = Rule(
        partner_path=partner_path,
        partner_filter=partner_filter,
        manager=frozenset(manager),
        partner_manager=frozenset(partner_manager),
        partner_viewer=frozenset(partner_viewer),
        admin=frozenset(admin),
    )
    _rules_changed()
    return model


def define(model: type[Model], name: str, *, roles, where: Callable | None = None) -> None:
    """Name an action on `model` (e.g. "sign", "acknowledge") with the roles that may take it and,
    where it matters, `where(user) -> Q`: which of the objects the user can see they may take it on."""
    if name in ACTIONS:
        raise ValueError(f"{name!r} is a basic action; give the roles to register()")
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles {unknown!r}")
    rule_for(model).extra[name] = NamedAction(roles=frozenset(roles), where=where)
    _rules_changed()


def rule_for(model: type[Model]) -> Rule:
    try:
        return _RULES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered with the access policy") from None


def role_of(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    return getattr(user, "role", None)


def is_host(user) -> bool:
    return role_of(user) in HOST_ROLES


def is_admin(user) -> bool:
    return role_of(user) == ADMIN


def is_partner(user) -> bool:
    return role_of(user) in PARTNER_ROLES


def allowed_actions(user, model: type[Model]) -> frozenset:
    rule = rule_for(model)
    role = role_of(user)
    if role is None:
        return frozenset()
    if role in PARTNER_ROLES and rule.partner_path is None:
        return frozenset()
    basic = {
        ADMIN: rule.admin,
        MANAGER: rule.manager,
        PARTNER_MANAGER: rule.partner_manager,
        PARTNER_VIEWER: rule.partner_viewer,
    }.get(role, frozenset())
    named = {name for name, action in rule.extra.items() if role in action.roles}
    return basic | named if named else basic


def _check_action(action: str, model: type[Model]) -> None:
    if action not in ACTIONS and action not in rule_for(model).extra:
        raise ValueError(f"unknown action {action!r} for {model.__name__}")


def allows(user, action: str, model: type[Model]) -> bool:
    """May the user take `action` on some object of `model` (e.g. show an "add" button)?"""
    _check_action(action, model)
    return action in allowed_actions(user, model)


def scope(user, action: str, model_or_queryset) -> QuerySet:
    """The objects of a model (or a queryset of it) that `user` may take `action` on."""
    if isinstance(model_or_queryset, QuerySet):
        qs, model = model_or_queryset, model_or_queryset.model
    else:
        model = model_or_queryset
        qs = model._default_manager.all()
    _check_action(action, model)
    if action not in allowed_actions(user, model):
        return qs.none()
    named = rule_for(model).extra.get(action)
    if named is not None:
        qs = scope(user, VIEW, qs)
        return qs.filter(named.where(user)) if named.where is not None else qs
    role = role_of(user)
    if role in HOST_ROLES:
        return qs
    rule = rule_for(model)
    organization_id = getattr(user, "organization_id", None)
    if organization_id is None:
        return qs.none()
    qs = qs.filter(**{rule.partner_path: organization_id})
    if rule.partner_filter is not None:
        qs = qs.filter(rule.partner_filter)
    return qs


def get_object(user, action: str, model_or_queryset, **lookup):
    """Fetch one object for `action`: 404 outside the user's view scope, 403 if only viewable."""
    obj = scope(user, VIEW, model_or_queryset).filter(**lookup).first()
    if obj is None:
        raise Http404
    if action != VIEW and not scope(user, action, model_or_queryset).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def can(user, action: str, obj: Model) -> bool:
    """May the user take `action` on this object?"""
    return scope(user, action, type(obj)).filter(pk=obj.pk).exists()


def require(user, action: str, obj: Model) -> None:
    """For services: refuse (403) unless the user may take `action` on `obj`."""
    if not can(user, action, obj):
        raise PermissionDenied


def may(user, action: str, target) -> bool:
    """`can()` for an object, `allows()` for a model class: the one question buttons ask."""
    if isinstance(target, Model):
        return can(user, action, target)
    return allows(user, action, target)


# Who people are, as filters on users: recipient lists, pickers and signatories ask these instead of
# naming roles themselves.


def host_staff() -> Q:
    """Active admins and warehouse managers of the host company."""
    return Q(is_active=True, role__in=HOST_ROLES, organization__kind=HOST_KIND)


def warehouse_managers() -> Q:
    return host_staff() & Q(role=MANAGER)


def administrators() -> Q:
    return host_staff() & Q(role=ADMIN)


def partner_managers() -> Q:
    """Active partner managers (of any partner; filter by organisation as needed)."""
    return Q(is_active=True, role=PARTNER_MANAGER)


def partner_ids(user) -> list[int] | None:
    """The partner organisations a user may see: None means all (host staff)."""
    role = role_of(user)
    if role in HOST_ROLES:
        return None
    if role in PARTNER_ROLES and user.organization_id:
        return [user.organization_id]
    return []


# --- People: invitations, roles, (de)activation ---------------------------------------------------
#
# Named actions (partners/policies.py defines them on Organization, Invitation and User): "invite" on an
# organisation, "resend" / "revoke" on an invitation, "change_role" / "deactivate" / "reactivate" on a
# person. Host admins may take them in every organisation; a partner manager only in their own (their
# view scope), on partner roles; nobody else. Which roles may be given is decided here too.

PEOPLE_ADMINS = frozenset({ADMIN, PARTNER_MANAGER})


def assignable_roles(user, organization) -> frozenset:
    """The roles `user` may give people of `organization` (an invitation or a role change): host roles
    in the host company, partner roles in a partner; a partner manager only in their own organisation."""
    role = role_of(user)
    is_host_org = getattr(organization, "kind", None) == HOST_KIND
    if role == ADMIN:
        return HOST_ROLES if is_host_org else PARTNER_ROLES
    if role == PARTNER_MANAGER and not is_host_org and organization.pk == user.organization_id:
        return PARTNER_ROLES
    return frozenset()


def not_oneself(user) -> Q:
    """People act on others: nobody deactivates or demotes themselves through these actions."""
    return ~Q(pk=user.pk)


# --- Two-factor sign-in (issue 17) --------------------------------------------------------------


def mfa_required(user) -> bool:
    """Must this person sign in with a second factor? Host staff (admins, warehouse managers, anyone
    with Django admin access) while MFA_REQUIRED_FOR_HOST_STAFF is on, and the people of an
    organisation whose `require_mfa` the host switched on. The one rule; the middleware, the profile
    and the People section ask it (partnerportal.accounts.SecondFactorRequiredMiddleware)."""
    from django.conf import settings

    role = role_of(user)
    if role is None:
        return False
    if getattr(settings, "MFA_REQUIRED_FOR_HOST_STAFF", True) and (
        role in HOST_ROLES or user.is_staff or user.is_superuser
    ):
        return True
    organization = user.organization if getattr(user, "organization_id", None) else None
    return bool(organization is not None and getattr(organization, "require_mfa", False))
