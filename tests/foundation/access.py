from django.urls import reverse

from tests.access import EVERYONE, Endpoint

ENDPOINTS = [
    Endpoint("audit", lambda w, p: reverse("audit"), allowed=frozenset({"admin"}), partner_scoped=False),
    Endpoint(
        "audit:filtered",
        lambda w, p: reverse("audit") + "?model=partners.organization",
        allowed=frozenset({"admin"}),
        partner_scoped=False,
    ),
    Endpoint("api:docs", lambda w, p: reverse("api:docs"), allowed=EVERYONE, api=True, partner_scoped=False),
    Endpoint(
        "api:docs-script",
        lambda w, p: reverse("api:docs") + "?script=",
        allowed=EVERYONE,
        api=True,
        partner_scoped=False,
    ),
    Endpoint(
        "api:schema",
        lambda w, p: reverse("api:schema") + "?format=json",
        allowed=EVERYONE,
        api=True,
        partner_scoped=False,
    ),
    # Prometheus metrics (on in tests/settings.py): host admins by session; the scraper by its token
    # or address (tests/foundation/test_metrics.py). api=True: anonymous gets 401, not the login page.
    Endpoint("metrics", lambda w, p: reverse("metrics"), allowed=frozenset({"admin"}), api=True, partner_scoped=False),
]
