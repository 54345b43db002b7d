from django.urls import reverse

from tests.access import EVERYONE, HOST, Endpoint


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
        for key in ("successes", "meetings", "engagements", "roadmap")
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
]
