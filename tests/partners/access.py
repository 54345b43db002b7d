from django.urls import reverse

from tests.access import EVERYONE, HOST, Endpoint

ENDPOINTS = [
    Endpoint("partners:list", lambda w, p: reverse("partners:list"), allowed=HOST, partner_scoped=False),
    Endpoint("partners:create", lambda w, p: reverse("partners:create"), allowed=HOST, partner_scoped=False),
    Endpoint(
        "partners:detail",
        lambda w, p: reverse("partners:detail", args=[p.pk]),
        allowed=EVERYONE,
        marker=lambda w, p: p.name,
    ),
    Endpoint("partners:edit", lambda w, p: reverse("partners:edit", args=[p.pk]), allowed=HOST),
    Endpoint("partners:site_create", lambda w, p: reverse("partners:site_create", args=[p.pk]), allowed=HOST),
    Endpoint(
        "partners:site_edit",
        lambda w, p: reverse("partners:site_edit", args=[(w.site_a if p == w.partner_a else w.site_b).pk]),
        allowed=HOST,
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
        "api:partner-patch",
        lambda w, p: reverse("api:partner-detail", args=[p.pk]),
        api=True,
        method="patch",
        data=lambda w, p: {"city": "Vejle"},
        allowed=HOST,
    ),
    Endpoint("api:me", lambda w, p: reverse("api:me"), api=True, partner_scoped=False),
    Endpoint("profile", lambda w, p: reverse("profile"), partner_scoped=False),
    Endpoint("api_token", lambda w, p: reverse("api_token"), partner_scoped=False),
    Endpoint("password_change", lambda w, p: reverse("password_change"), partner_scoped=False),
]
