from django.urls import reverse

from tests.access import EVERYONE, HOST, Endpoint

# Who manages an organisation's people (invite, resend, revoke, change a role, (de)activate).
PEOPLE_ADMINS = frozenset({"admin", "partner_manager"})


def _site(w, p):
    return w.site_a if p == w.partner_a else w.site_b


ENDPOINTS = [
    Endpoint("partners:list", lambda w, p: reverse("partners:list"), allowed=HOST, partner_scoped=False),
    Endpoint("partners:create", lambda w, p: reverse("partners:create"), allowed=HOST, partner_scoped=False),
    Endpoint(
        "partners:detail",
        lambda w, p: reverse("partners:detail", args=[p.pk]),
        allowed=EVERYONE,
        marker=lambda w, p: p.name,
    ),
    # One section of the hub, as a lazy placeholder loads it (htmx) and as a page without JavaScript;
    # the section's own data is checked per app below (marker: the partner's own site and name).
    *[
        Endpoint(
            f"partners:section-{key}{'-htmx' if htmx else ''}",
            lambda w, p, key=key: reverse("partners:section", args=[p.pk, key]),
            allowed=EVERYONE,
            marker=lambda w, p: p.name,
            extra={"headers": {"HTTP_HX_REQUEST": "true"}} if htmx else {},
        )
        for key in ("successes", "meetings", "engagements", "roadmap", "people")
        for htmx in (False, True)
    ],
    Endpoint(
        "partners:create-post",
        lambda w, p: reverse("partners:create"),
        allowed=HOST,
        partner_scoped=False,
        method="post",
        data=lambda w, p: {"name": "Gamma Fragt ApS", "kind": "carrier", "country": "DK", "is_active": "on"},
        ok=(302,),
    ),
    Endpoint("partners:edit", lambda w, p: reverse("partners:edit", args=[p.pk]), allowed=HOST),
    Endpoint(
        "partners:edit-post",
        lambda w, p: reverse("partners:edit", args=[p.pk]),
        allowed=HOST,
        method="post",
        data=lambda w, p: {"name": p.name, "kind": p.kind, "country": "DK", "city": "Vejle", "is_active": "on"},
        ok=(302,),
    ),
    Endpoint("partners:site_create", lambda w, p: reverse("partners:site_create", args=[p.pk]), allowed=HOST),
    Endpoint(
        "partners:site_create-post",
        lambda w, p: reverse("partners:site_create", args=[p.pk]),
        allowed=HOST,
        method="post",
        data=lambda w, p: {"name": "Second hub", "code": f"NEW{p.pk}", "is_active": "on"},
        ok=(302,),
    ),
    Endpoint(
        "partners:site_edit",
        lambda w, p: reverse("partners:site_edit", args=[_site(w, p).pk]),
        allowed=HOST,
    ),
    Endpoint(
        "partners:site_edit-post",
        lambda w, p: reverse("partners:site_edit", args=[_site(w, p).pk]),
        allowed=HOST,
        method="post",
        data=lambda w, p: {"name": "Renamed hub", "code": _site(w, p).code, "is_active": "on"},
        ok=(302,),
    ),
    Endpoint("dashboard", lambda w, p: reverse("dashboard"), allowed=HOST, partner_scoped=False),
    Endpoint(
        "api:partner-list",
        lambda w, p: reverse("api:partner-list"),
        api=True,
        partner_scoped=False,
        marker=lambda w, p: p.name,
    ),
    Endpoint(
        "api:partner-detail",
        lambda w, p: reverse("api:partner-detail", args=[p.pk]),
        api=True,
        marker=lambda w, p: p.name,
    ),
    Endpoint(
        "api:partner-create",
        lambda w, p: reverse("api:partner-list"),
        api=True,
        method="post",
        data=lambda w, p: {"name": "Gamma Fragt ApS", "kind": "carrier"},
        allowed=HOST,
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:partner-put",
        lambda w, p: reverse("api:partner-detail", args=[p.pk]),
        api=True,
        method="put",
        data=lambda w, p: {"name": p.name, "kind": p.kind, "city": "Vejle"},
        allowed=HOST,
    ),
    Endpoint(
        "api:partner-patch",
        lambda w, p: reverse("api:partner-detail", args=[p.pk]),
        api=True,
        method="patch",
        data=lambda w, p: {"city": "Vejle"},
        allowed=HOST,
    ),
    Endpoint("api:me", lambda w, p: reverse("api:me"), api=True, partner_scoped=False),
    Endpoint("profile", lambda w, p: reverse("profile"), partner_scoped=False),
    # Everyone manages their own profile and API token (partner viewers too).
    Endpoint(
        "profile-post",
        lambda w, p: reverse("profile"),
        partner_scoped=False,
        method="post",
        data=lambda w, p: {
            "first_name": "Ann",
            "last_name": "Berg",
            "email": "ann@example.com",
            "language": "da",
            "time_zone": "Europe/Copenhagen",
        },
        ok=(302,),
    ),
    Endpoint("api_token", lambda w, p: reverse("api_token"), partner_scoped=False),
    Endpoint("api_token-post", lambda w, p: reverse("api_token"), partner_scoped=False, method="post", ok=(302,)),
    Endpoint("password_change", lambda w, p: reverse("password_change"), partner_scoped=False),
    # The searchable partner picker: a search, not one partner's object. Both partners' names contain
    # "a"; a partner user's answer must not name the other partner (more in tests/partners/test_picker.py).
    Endpoint(
        "partners:picker",
        lambda w, p: reverse("partners:picker") + "?q=a",
        partner_scoped=False,
        marker=lambda w, p: p.name,
    ),
    # People (issue 17): each organisation's people and invitations. The objects belong to `p`; another
    # partner's invitation or person answers 404 to a partner user.
    Endpoint(
        "partners:people",
        lambda w, p: reverse("partners:people", args=[p.pk]),
        marker=lambda w, p: w.user("partner_viewer", p).email,
    ),
    # The host company's people (no hub of its own): host staff only, a partner user gets 404.
    Endpoint("partners:host_people", lambda w, p: reverse("partners:host_people"), allowed=HOST, partner_scoped=False),
    Endpoint("partners:invite", lambda w, p: reverse("partners:invite", args=[p.pk]), allowed=PEOPLE_ADMINS),
    Endpoint(
        "partners:invite-post",
        lambda w, p: reverse("partners:invite", args=[p.pk]),
        allowed=PEOPLE_ADMINS,
        method="post",
        data=lambda w, p: {"email": f"invitee{p.pk}@example.com", "role": "partner_viewer", "language": "da"},
        ok=(302,),
    ),
    Endpoint(
        "partners:invitation_resend-post",
        lambda w, p: reverse("partners:invitation_resend", args=[_invitation(p).pk]),
        allowed=PEOPLE_ADMINS,
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "partners:invitation_revoke-post",
        lambda w, p: reverse("partners:invitation_revoke", args=[_invitation(p).pk]),
        allowed=PEOPLE_ADMINS,
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "partners:person_role-post",
        lambda w, p: reverse("partners:person_role", args=[w.user("partner_viewer", p).pk]),
        allowed=PEOPLE_ADMINS,
        method="post",
        data=lambda w, p: {"role": "partner_manager"},
        ok=(302,),
    ),
    Endpoint(
        "partners:person_deactivate",
        lambda w, p: reverse("partners:person_deactivate", args=[w.user("partner_viewer", p).pk]),
        allowed=PEOPLE_ADMINS,
    ),
    Endpoint(
        "partners:person_deactivate-post",
        lambda w, p: reverse("partners:person_deactivate", args=[w.user("partner_viewer", p).pk]),
        allowed=PEOPLE_ADMINS,
        method="post",
        data=lambda w, p: {},
        ok=(302,),
    ),
    Endpoint(
        "partners:person_reactivate-post",
        lambda w, p: reverse("partners:person_reactivate", args=[_former(p).pk]),
        allowed=PEOPLE_ADMINS,
        method="post",
        ok=(302,),
    ),
]


def _invitation(p):
    from datetime import timedelta

    from django.utils import timezone

    from partners.models import Invitation, invitation_token_hash

    return Invitation.objects.create(
        organization=p,
        email=f"pending{p.pk}@example.com",
        role="partner_viewer",
        expires_at=timezone.now() + timedelta(days=7),
        token_hash=invitation_token_hash(f"token-{p.pk}"),
    )


def _former(p):
    """A deactivated person of `p` (to reactivate)."""
    from tests.factories import UserFactory

    return UserFactory(organization=p, role="partner_viewer", is_active=False)
