"""Every agreements page and endpoint in the access matrix (tests/test_access_matrix.py)."""

from django.urls import reverse

from tests.access import HOST, Endpoint
from tests.agreements import helpers
from tests.agreements import templates_helpers as th

ADMIN = frozenset({"admin"})
SIGNERS = frozenset({"admin", "manager", "partner_manager"})


def _name(w, p):
    return p.name


def _both_active(w, p):
    """Lists: agreements exist for both partners, so a leak of the other one would show."""
    for partner in (w.partner_a, w.partner_b):
        helpers.active(w, partner)


def _list(url_name):
    def build(w, p):
        _both_active(w, p)
        return reverse(url_name)

    return build


def _draft_row(w, p):
    version = helpers.draft(w, p)
    return version, version.channelrule_set.get()


def _row_url(name, w, p):
    version, row = _draft_row(w, p)
    return reverse(name, args=[version.pk, "channel", row.pk])


def _review_row(w, p):
    version = helpers.in_review(w, p)
    return version.channelrule_set.get()


def _review_responsibility(w, p):
    return helpers.in_review(w, p).responsibility_set.first()


def _draft_step(w, p):
    return helpers.draft(w, p).escalationstep_set.get()


def _row_data(w, p):
    return {"party": "host", "activity": "Returns", "person": f"u:{w.manager.pk}", "responsible_for": "Credit notes"}


def _channel_data(w, p):
    return {
        "topic": "invoices",
        "channel": "email",
        "response_hours": "24",
        "party": "host",
        "person": f"u:{w.manager.pk}",
        "note": "",
    }


def _draft_url(route, kind):
    """The API URL of a draft's row of `kind` (rows change only while their version is a draft)."""

    def build(w, p):
        version = helpers.draft(w, p)
        row = {"responsibility": version.responsibility_set, "channel": version.channelrule_set}.get(
            kind, version.escalationstep_set
        ).first()
        return reverse(route, args=[row.pk])

    return build


def _api_row_data(w, p):
    version = helpers.draft(w, p)
    return {
        "version": version.pk,
        "party": "host",
        "activity": "Returns",
        "user": w.manager.pk,
        "responsible_for": "Credit notes",
    }


def _template_url(name):
    return lambda w, p: reverse(name, args=[th.template(w).pk])


def _carry_url(w, p):
    """An agreement of the partner built on a template that has changed since."""
    template = th.template(w)
    agreement = th.built(w, p, template)
    th.change(w, template)
    return reverse("agreements:carry_template", args=[agreement.pk])


TEMPLATE_ENDPOINTS = [
    Endpoint(
        "agreements:template_list", lambda w, p: reverse("agreements:template_list"), allowed=HOST, partner_scoped=False
    ),
    Endpoint("agreements:template", _template_url("agreements:template"), allowed=HOST, partner_scoped=False),
    Endpoint(
        "agreements:template_create",
        lambda w, p: reverse("agreements:template_create"),
        allowed=ADMIN,
        partner_scoped=False,
    ),
    Endpoint(
        "agreements:template_create-post",
        lambda w, p: reverse("agreements:template_create"),
        allowed=ADMIN,
        partner_scoped=False,
        method="post",
        data=lambda w, p: th.form_data(),
        ok=(302,),
    ),
    Endpoint(
        "agreements:template_edit", _template_url("agreements:template_edit"), allowed=ADMIN, partner_scoped=False
    ),
    Endpoint(
        "agreements:template_edit-post",
        _template_url("agreements:template_edit"),
        allowed=ADMIN,
        partner_scoped=False,
        method="post",
        data=lambda w, p: th.form_data(name="Test template", note="Posted"),
        ok=(302,),
    ),
    Endpoint("agreements:carry_template", _carry_url, allowed=HOST, method="post", ok=(302,)),
]


ENDPOINTS = TEMPLATE_ENDPOINTS + [
    # --- pages ---
    Endpoint("agreements:list", _list("agreements:list"), allowed=HOST, partner_scoped=False),
    Endpoint("agreements:create", lambda w, p: reverse("agreements:create", args=[p.pk]), allowed=HOST),
    Endpoint(
        "agreements:create-post",
        lambda w, p: reverse("agreements:create", args=[p.pk]),
        allowed=HOST,
        method="post",
        data=lambda w, p: {"title": ""},
        ok=(302,),
    ),
    Endpoint(
        "agreements:detail",
        lambda w, p: reverse("agreements:detail", args=[helpers.active(w, p).agreement_id]),
        marker=_name,
    ),
    Endpoint(
        "agreements:revise",
        lambda w, p: reverse("agreements:revise", args=[helpers.active(w, p).agreement_id]),
        allowed=HOST,
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "agreements:compare",
        lambda w, p: reverse("agreements:compare", args=[helpers.revision(w, p).agreement_id]),
        marker=_name,
    ),
    Endpoint(
        "agreements:version",
        lambda w, p: reverse("agreements:version", args=[helpers.revision(w, p).pk]),
        marker=_name,
    ),
    Endpoint(
        "agreements:version-draft",
        lambda w, p: reverse("agreements:version", args=[helpers.draft(w, p).pk]),
        allowed=HOST,
    ),
    Endpoint(
        "agreements:print",
        lambda w, p: reverse("agreements:print", args=[helpers.active(w, p).pk]),
        marker=_name,
    ),
    Endpoint("agreements:edit", lambda w, p: reverse("agreements:edit", args=[helpers.draft(w, p).pk]), allowed=HOST),
    Endpoint(
        "agreements:edit-post",
        lambda w, p: reverse("agreements:edit", args=[helpers.draft(w, p).pk]),
        allowed=HOST,
        method="post",
        data=lambda w, p: {"summary": "Updated scope", "review_date": "2030-01-01"},
        ok=(302,),
    ),
    Endpoint(
        "agreements:send",
        lambda w, p: reverse("agreements:send", args=[helpers.draft(w, p).pk]),
        allowed=HOST,
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "agreements:withdraw",
        lambda w, p: reverse("agreements:withdraw", args=[helpers.in_review(w, p).pk]),
        allowed=HOST,
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "agreements:sign",
        lambda w, p: reverse("agreements:sign", args=[helpers.in_review(w, p).pk]),
        allowed=SIGNERS,
        method="post",
        data=lambda w, p: {"confirm": "1"},
        ok=(302,),
    ),
    Endpoint(
        "agreements:terminate",
        lambda w, p: reverse("agreements:terminate", args=[helpers.active(w, p).pk]),
        allowed=ADMIN,
    ),
    Endpoint(
        "agreements:terminate-post",
        lambda w, p: reverse("agreements:terminate", args=[helpers.active(w, p).pk]),
        allowed=ADMIN,
        method="post",
        data=lambda w, p: {"reason": "The site closes."},
        ok=(302,),
    ),
    Endpoint(
        "agreements:row_create",
        lambda w, p: reverse("agreements:row_create", args=[helpers.draft(w, p).pk, "responsibility"]),
        allowed=HOST,
    ),
    Endpoint(
        "agreements:row_create-post",
        lambda w, p: reverse("agreements:row_create", args=[helpers.draft(w, p).pk, "responsibility"]),
        allowed=HOST,
        method="post",
        data=_row_data,
        ok=(302,),
    ),
    Endpoint(
        "agreements:row",
        lambda w, p: _row_url("agreements:row", w, p),
        allowed=HOST,
    ),
    Endpoint(
        "agreements:row_edit",
        lambda w, p: _row_url("agreements:row_edit", w, p),
        allowed=HOST,
    ),
    Endpoint(
        "agreements:row_edit-post",
        lambda w, p: _row_url("agreements:row_edit", w, p),
        allowed=HOST,
        method="post",
        data=_channel_data,
        ok=(302,),
    ),
    Endpoint(
        "agreements:row_delete",
        lambda w, p: _row_url("agreements:row_delete", w, p),
        allowed=HOST,
        method="post",
        ok=(302,),
    ),
    # --- API ---
    Endpoint("api:agreement-list", _list("api:agreement-list"), api=True, partner_scoped=False, marker=_name),
    Endpoint(
        "api:agreement-detail",
        lambda w, p: reverse("api:agreement-detail", args=[helpers.active(w, p).agreement_id]),
        api=True,
        marker=_name,
    ),
    Endpoint(
        "api:agreement-create",
        lambda w, p: reverse("api:agreement-list"),
        api=True,
        method="post",
        data=lambda w, p: {"partner": p.pk, "title": "New agreement"},
        allowed=HOST,
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:agreement-drafts",
        lambda w, p: reverse("api:agreement-drafts", args=[helpers.active(w, p).agreement_id]),
        api=True,
        method="post",
        allowed=HOST,
        ok=(201,),
    ),
    Endpoint(
        "api:agreement-version-list",
        _list("api:agreement-version-list"),
        api=True,
        partner_scoped=False,
        marker=lambda w, p: f'"partner":{p.pk},',
    ),
    Endpoint(
        "api:agreement-version-detail",
        lambda w, p: reverse("api:agreement-version-detail", args=[helpers.in_review(w, p).pk]),
        api=True,
    ),
    Endpoint(
        "api:agreement-version-detail-draft",
        lambda w, p: reverse("api:agreement-version-detail", args=[helpers.draft(w, p).pk]),
        api=True,
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-version-patch",
        lambda w, p: reverse("api:agreement-version-detail", args=[helpers.draft(w, p).pk]),
        api=True,
        method="patch",
        data=lambda w, p: {"summary": "Updated scope"},
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-version-send",
        lambda w, p: reverse("api:agreement-version-send", args=[helpers.draft(w, p).pk]),
        api=True,
        method="post",
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-version-withdraw",
        lambda w, p: reverse("api:agreement-version-withdraw", args=[helpers.in_review(w, p).pk]),
        api=True,
        method="post",
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-version-sign",
        lambda w, p: reverse("api:agreement-version-sign", args=[helpers.in_review(w, p).pk]),
        api=True,
        method="post",
        allowed=SIGNERS,
    ),
    Endpoint(
        "api:agreement-version-terminate",
        lambda w, p: reverse("api:agreement-version-terminate", args=[helpers.active(w, p).pk]),
        api=True,
        method="post",
        data=lambda w, p: {"reason": "The site closes."},
        allowed=ADMIN,
    ),
    Endpoint(
        "api:agreement-channel-list",
        _list("api:agreement-channel-list"),
        api=True,
        partner_scoped=False,
        marker=lambda w, p: f'"user":{helpers.partner_manager(w, p).pk},',
    ),
    Endpoint(
        "api:agreement-channel-detail",
        lambda w, p: reverse("api:agreement-channel-detail", args=[_review_row(w, p).pk]),
        api=True,
    ),
    Endpoint(
        "api:agreement-responsibility-detail",
        lambda w, p: reverse("api:agreement-responsibility-detail", args=[_review_responsibility(w, p).pk]),
        api=True,
    ),
    Endpoint(
        "api:agreement-responsibility-detail-draft",
        lambda w, p: reverse(
            "api:agreement-responsibility-detail", args=[helpers.draft(w, p).responsibility_set.first().pk]
        ),
        api=True,
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-responsibility-create",
        lambda w, p: reverse("api:agreement-responsibility-list"),
        api=True,
        method="post",
        data=_api_row_data,
        allowed=HOST,
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:agreement-channel-patch",
        lambda w, p: reverse("api:agreement-channel-detail", args=[_draft_row(w, p)[1].pk]),
        api=True,
        method="patch",
        data=lambda w, p: {"response_hours": 8},
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-escalation-step-delete",
        lambda w, p: reverse("api:agreement-escalation-step-detail", args=[_draft_step(w, p).pk]),
        api=True,
        method="delete",
        allowed=HOST,
        ok=(204,),
    ),
    Endpoint(
        "api:agreement-channel-create",
        lambda w, p: reverse("api:agreement-channel-list"),
        api=True,
        method="post",
        data=lambda w, p: {
            "version": helpers.draft(w, p).pk,
            "topic": "invoices",
            "channel": "email",
            "response_hours": 24,
            "party": "host",
            "user": w.manager.pk,
        },
        allowed=HOST,
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:agreement-escalation-step-create",
        lambda w, p: reverse("api:agreement-escalation-step-list"),
        api=True,
        method="post",
        data=lambda w, p: {
            "version": helpers.draft(w, p).pk,
            "level": 2,
            "after_hours": 24,
            "party": "host",
            "user": w.admin.pk,
        },
        allowed=HOST,
        ok=(201,),
        partner_scoped=False,
    ),
    Endpoint(
        "api:agreement-responsibility-patch",
        _draft_url("api:agreement-responsibility-detail", "responsibility"),
        api=True,
        method="patch",
        data=lambda w, p: {"responsible_for": "Receiving and returns"},
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-responsibility-put",
        _draft_url("api:agreement-responsibility-detail", "responsibility"),
        api=True,
        method="put",
        data=lambda w, p: {"activity": "Inbound", "party": "host", "user": w.manager.pk, "responsible_for": "All"},
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-responsibility-delete",
        _draft_url("api:agreement-responsibility-detail", "responsibility"),
        api=True,
        method="delete",
        allowed=HOST,
        ok=(204,),
    ),
    Endpoint(
        "api:agreement-channel-put",
        _draft_url("api:agreement-channel-detail", "channel"),
        api=True,
        method="put",
        data=lambda w, p: {
            "topic": "delivery_delays",
            "channel": "portal_notice",
            "response_hours": 8,
            "party": "host",
            "user": w.manager.pk,
        },
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-channel-delete",
        _draft_url("api:agreement-channel-detail", "channel"),
        api=True,
        method="delete",
        allowed=HOST,
        ok=(204,),
    ),
    Endpoint(
        "api:agreement-escalation-step-patch",
        _draft_url("api:agreement-escalation-step-detail", "escalation"),
        api=True,
        method="patch",
        data=lambda w, p: {"after_hours": 4},
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-escalation-step-put",
        _draft_url("api:agreement-escalation-step-detail", "escalation"),
        api=True,
        method="put",
        data=lambda w, p: {"level": 1, "after_hours": 2, "party": "host", "user": w.manager.pk},
        allowed=HOST,
    ),
    Endpoint(
        "api:agreement-escalation-step-list",
        _list("api:agreement-escalation-step-list"),
        api=True,
        partner_scoped=False,
    ),
    Endpoint(
        "api:agreement-responsibility-list",
        _list("api:agreement-responsibility-list"),
        api=True,
        partner_scoped=False,
    ),
]
