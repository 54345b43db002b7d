from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.access import EVERYONE, HOST, Endpoint
from tests.relations import helpers

EDITORS = HOST | {"partner_manager"}


def _notice_by_partner(w, p):
    return helpers.notice(w, p)


def _notice_by_host(w, p):
    return helpers.notice(w, p, by=w.manager, title=f"Host notice {p.name}")


def _case_by_partner(w, p):
    return helpers.case(w, p, by=w.user("partner_manager", p))


def _case_file(w, p):
    case = helpers.case(w, p)
    from relations import services

    upload = SimpleUploadedFile("facts.csv", b"date,late\n2026-01-05,3\n", content_type="text/csv")
    return services.case_attach_file(user=w.manager, case=case, uploaded=upload)


def _engagement_file(w, p):
    from relations import services

    upload = SimpleUploadedFile("notes.txt", b"Learnings", content_type="text/plain")
    return services.engagement_attach_file(user=w.manager, engagement=helpers.engagement(w, p), uploaded=upload)


def _page(name, make=None, suffix="", **kwargs):
    """A page (`suffix` tells a second entry of the same page apart, e.g. its POST)."""
    id_ = f"relations:{name}{suffix}"
    if make is None:
        return Endpoint(id_, lambda w, p: reverse(f"relations:{name}"), partner_scoped=False, **kwargs)
    return Endpoint(id_, lambda w, p: reverse(f"relations:{name}", args=[make(w, p).pk]), **kwargs)


def _post(name, make=None, data=None, allowed=EDITORS, ok=(302,), **kwargs):
    """A page's form POST with valid data: it writes and redirects for the roles `allowed`."""
    return _page(name, make, suffix="-post", method="post", data=data, allowed=allowed, ok=ok, **kwargs)


def _api(name, make, route=None, **kwargs):
    """An API route about the one object `make(world, partner)` creates (`route` if not `name`)."""
    return Endpoint(name, lambda w, p: reverse(route or name, args=[make(w, p).pk]), api=True, **kwargs)


def _notice_marker(w, p):
    return f"Delay at {p.name}"


def _case_marker(w, p):
    return f"Missed pick-ups {p.name}"


def _listing(id_, url_name, make, marker, api=False, allowed=EVERYONE):
    def build(w, p):
        make(w, w.partner_a)
        make(w, w.partner_b)
        return reverse(url_name)

    return Endpoint(id_, build, api=api, partner_scoped=False, marker=marker, allowed=allowed)


def _survey_scores():
    return {"trust": 4, "communication": 3, "responsiveness": 5, "problem_solving": 4, "overall": 4}


def _days(n):
    return (date.today() + timedelta(days=n)).isoformat()


def _engagement_data(w, p):
    return {
        "partner": p.pk,
        "kind": "site_visit",
        "status": "planned",
        "title": f"Visit {p.name}",
        "starts_at": "2030-02-01 10:00",
        "place": "Aarhus",
    }


def _roadmap_data(w, p):
    return {"title": f"Roadmap {p.name}", "category": "automation", "status": "planned", "shared_with": [p.pk]}


def _shared_plan(w, p):
    return helpers.roadmap_item(w, p)


ENDPOINTS = [
    # Notices
    _listing("relations:notice_list", "relations:notice_list", helpers.notice, _notice_marker),
    _page("notice_create", allowed=EDITORS),
    _post(
        "notice_create",
        data=lambda w, p: {
            "partner": p.pk,
            "kind": "capacity",
            "severity": "low",
            "title": "Peak week",
            "affected_from": "2030-01-05 08:00",
        },
    ),
    _page("notice_detail", _notice_by_partner, marker=_notice_marker),
    _page("notice_acknowledge", _notice_by_partner, allowed=EDITORS, method="post", ok=(302,)),
    # Cases
    _listing("relations:case_list", "relations:case_list", helpers.case, _case_marker),
    _page("case_create", allowed=EDITORS),
    _post(
        "case_create",
        data=lambda w, p: {"partner": p.pk, "title": "Missed pick-up", "what_happened": "The truck did not come."},
    ),
    _page("case_detail", helpers.case, marker=_case_marker),
    _page("case_edit", helpers.case, allowed=EDITORS),
    _post(
        "case_edit",
        helpers.case,
        data=lambda w, p: {"title": "Missed pick-ups", "what_happened": "Two were missed.", "root_cause": "Illness"},
    ),
    _post(
        "case_action",
        helpers.case,
        data=lambda w, p: {"title": "Second driver on Fridays", "owner": w.manager.pk, "due_date": _days(30)},
        allowed=HOST,
    ),
    _page(
        "case_status",
        helpers.case,
        allowed=EDITORS,
        method="post",
        data=lambda w, p: {"status": "investigating"},
        ok=(302,),
    ),
    _page("case_acknowledge", helpers.case, allowed=EDITORS, method="post", ok=(302,)),
    _page(
        "case_file_upload",
        helpers.case,
        allowed=EDITORS,
        method="post",
        data=lambda w, p: {"file": SimpleUploadedFile("a.txt", b"facts", content_type="text/plain")},
        ok=(302,),
    ),
    _page("case_file", _case_file),
    _page(
        "case_measurement",
        helpers.case,
        allowed=EDITORS,
        method="post",
        data=lambda w, p: {"measurement": ""},
        ok=(302,),
    ),
    # The measurement picker of cases: one partner's measurements (another partner's id is 404).
    Endpoint(
        "relations:measurement_picker",
        lambda w, p: reverse("relations:measurement_picker") + f"?partner={p.pk}",
    ),
    # Kudos and successes
    _page("kudos_create", allowed=EDITORS),
    _post("kudos_create", data=lambda w, p: {"partner": p.pk, "title": "Thanks for the quick help"}),
    _listing(
        "relations:success_list", "relations:success_list", helpers.kudos, lambda w, p: f"Record week at {p.name}"
    ),
    # Health and timeline (about the partner itself)
    _page("health", lambda w, p: p),
    _page("health_list", allowed=HOST),  # every partner's score: host staff only (403 for partner users)
    _page("health_recompute", lambda w, p: p, allowed=HOST, method="post", ok=(302,)),
    _page("timeline", lambda w, p: helpers.notice(w, p).partner, marker=_notice_marker),
    # Engagements
    _listing(
        "relations:engagement_list", "relations:engagement_list", helpers.engagement, lambda w, p: f"Visit {p.name}"
    ),
    _page("engagement_create", allowed=HOST),
    _post("engagement_create", data=_engagement_data, allowed=HOST),
    _page("engagement_detail", helpers.engagement, marker=lambda w, p: f"Visit {p.name}"),
    _page("engagement_edit", helpers.engagement, allowed=HOST),
    _post("engagement_edit", helpers.engagement, data=_engagement_data, allowed=HOST),
    _page(
        "engagement_file_upload",
        helpers.engagement,
        allowed=HOST,
        method="post",
        data=lambda w, p: {"file": SimpleUploadedFile("a.txt", b"notes", content_type="text/plain")},
        ok=(302,),
    ),
    _page("engagement_file", _engagement_file),
    # Roadmap
    _listing(
        "relations:roadmap_list", "relations:roadmap_list", helpers.roadmap_item, lambda w, p: f"Roadmap {p.name}"
    ),
    _page("roadmap_create", allowed=HOST),
    _post("roadmap_create", data=_roadmap_data, allowed=HOST),
    _page("roadmap_detail", helpers.roadmap_item, marker=lambda w, p: f"Roadmap {p.name}"),
    # A comment in the partner's thread (host staff name the thread, partner managers write in their own).
    _post("roadmap_detail", _shared_plan, data=lambda w, p: {"body": "Can we start in May?", "partner": p.pk}),
    _page("roadmap_edit", helpers.roadmap_item, allowed=HOST),
    _post("roadmap_edit", helpers.roadmap_item, data=_roadmap_data, allowed=HOST),
    # Surveys
    _listing(
        "relations:survey_list", "relations:survey_list", helpers.survey, lambda w, p: f"Relationship survey {p.name}"
    ),
    _page("survey_create", allowed=HOST),
    _post(
        "survey_create",
        data=lambda w, p: {
            "partner": p.pk,
            "title": "",
            "opens_on": _days(-1),
            "closes_on": _days(20),
            "anonymous": "on",
        },
        allowed=HOST,
    ),
    _page("survey_detail", helpers.survey),
    _page("survey_answer", helpers.survey),
    # Every invitee answers, partner viewers too.
    _post("survey_answer", helpers.survey, data=lambda w, p: _survey_scores(), allowed=EVERYONE),
    # API
    _listing("api:notice-list", "api:notice-list", helpers.notice, _notice_marker, api=True),
    _api(
        "api:notice-detail",
        helpers.notice,
        marker=_notice_marker,
    ),
    Endpoint(
        "api:notice-create",
        lambda w, p: reverse("api:notice-list"),
        api=True,
        method="post",
        partner_scoped=False,
        allowed=EDITORS,
        ok=(201,),
        data=lambda w, p: {
            "partner": w.partner_a.pk,
            "kind": "capacity",
            "severity": "low",
            "title": "Peak week",
            "affected_from": "2030-01-05T08:00:00Z",
        },
    ),
    _api(
        "api:notice-acknowledge",
        _notice_by_host,
        method="post",
        allowed=EDITORS,
        ok=(200, 400),  # 400: host staff cannot acknowledge their own side's notice
    ),
    _listing("api:case-list", "api:case-list", helpers.case, _case_marker, api=True),
    _api(
        "api:case-detail",
        helpers.case,
        marker=_case_marker,
    ),
    Endpoint(
        "api:case-create",
        lambda w, p: reverse("api:case-list"),
        api=True,
        method="post",
        partner_scoped=False,
        allowed=EDITORS,
        ok=(201,),
        data=lambda w, p: {"partner": p.pk, "title": "Missed pick-up", "what_happened": "The truck did not come."},
    ),
    _api(
        "api:case-attach-file",
        helpers.case,
        method="post",
        data=lambda w, p: {"file": SimpleUploadedFile("facts.txt", b"facts", content_type="text/plain")},
        allowed=EDITORS,
        ok=(201,),
        extra={"multipart": True},
    ),
    _api(
        "api:case-patch",
        helpers.case,
        route="api:case-detail",
        method="patch",
        data=lambda w, p: {"root_cause": "Driver shortage"},
        allowed=EDITORS,
    ),
    _api(
        "api:case-status",
        helpers.case,
        route="api:case-set-status",
        method="post",
        data=lambda w, p: {"status": "investigating"},
        allowed=EDITORS,
    ),
    _api(
        "api:case-measurements",
        helpers.case,
        route="api:case-link-measurement",
        method="post",
        data=lambda w, p: {"measurement": helpers.shared_measurement(p).pk},
        allowed=EDITORS,
    ),
    _api(
        "api:case-acknowledge",
        helpers.case,
        method="post",
        allowed=EDITORS,
        ok=(200, 400),  # the case is raised by host staff: 400 when their own side acknowledges it
    ),
    _api(
        "api:case-acknowledge-partner-case",
        _case_by_partner,
        route="api:case-acknowledge",
        method="post",
        allowed=EDITORS,
        ok=(200, 400),  # the case is raised by the partner: 400 when the partner manager acknowledges it
    ),
    _api(
        "api:case-actions",
        helpers.case,
        route="api:case-agree-action",
        method="post",
        data=lambda w, p: {"title": "Second driver on Fridays", "owner": w.manager.pk, "due_date": "2030-01-31"},
        allowed=HOST,
        ok=(201,),
    ),
    _listing("api:kudos-list", "api:kudos-list", helpers.kudos, lambda w, p: f"Record week at {p.name}", api=True),
    Endpoint(
        "api:kudos-create",
        lambda w, p: reverse("api:kudos-list"),
        api=True,
        method="post",
        partner_scoped=False,
        allowed=EDITORS,
        ok=(201,),
        data=lambda w, p: {"partner": p.pk, "title": "Thanks for the quick help"},
    ),
    _api(
        "api:kudos-detail",
        helpers.kudos,
        marker=lambda w, p: f"Record week at {p.name}",
    ),
    _listing(
        "api:engagement-list", "api:engagement-list", helpers.engagement, lambda w, p: f"Visit {p.name}", api=True
    ),
    _api(
        "api:engagement-detail",
        helpers.engagement,
    ),
    Endpoint(
        "api:engagement-create",
        lambda w, p: reverse("api:engagement-list"),
        api=True,
        method="post",
        partner_scoped=False,
        allowed=HOST,
        ok=(201,),
        data=lambda w, p: {**_engagement_data(w, p), "starts_at": "2030-02-01T10:00:00Z"},
    ),
    _api(
        "api:engagement-patch",
        helpers.engagement,
        route="api:engagement-detail",
        method="patch",
        data=lambda w, p: {"place": "Kolding"},
        allowed=HOST,
    ),
    _listing(
        "api:roadmap-item-list",
        "api:roadmap-item-list",
        helpers.roadmap_item,
        lambda w, p: f"Roadmap {p.name}",
        api=True,
    ),
    _api(
        "api:roadmap-item-detail",
        helpers.roadmap_item,
    ),
    Endpoint(
        "api:roadmap-item-create",
        lambda w, p: reverse("api:roadmap-item-list"),
        api=True,
        method="post",
        partner_scoped=False,
        allowed=HOST,
        ok=(201,),
        data=_roadmap_data,
    ),
    _api(
        "api:roadmap-item-patch",
        helpers.roadmap_item,
        route="api:roadmap-item-detail",
        method="patch",
        data=lambda w, p: {"status": "in_progress"},
        allowed=HOST,
    ),
    Endpoint(
        "api:roadmap-comment-list", lambda w, p: reverse("api:roadmap-comment-list"), api=True, partner_scoped=False
    ),
    Endpoint(
        "api:roadmap-comment-create",
        lambda w, p: reverse("api:roadmap-comment-list"),
        api=True,
        method="post",
        partner_scoped=False,  # the plan in the body is the partner's; another's answers 400 (test_api_scope)
        allowed=EDITORS,
        ok=(201,),
        data=lambda w, p: {"item": _shared_plan(w, p).pk, "partner": p.pk, "body": "Can we start in May?"},
    ),
    _api(
        "api:roadmap-comment-detail",
        helpers.roadmap_comment,
        marker=lambda w, p: f"Comment from {p.name}",
    ),
    _listing(
        "api:survey-round-list",
        "api:survey-round-list",
        helpers.survey,
        lambda w, p: f"Relationship survey {p.name}",
        api=True,
    ),
    _api(
        "api:survey-round-detail",
        helpers.survey,
    ),
    Endpoint(
        "api:survey-round-create",
        lambda w, p: reverse("api:survey-round-list"),
        api=True,
        method="post",
        partner_scoped=False,
        allowed=HOST,
        ok=(201,),
        data=lambda w, p: {
            "partner": p.pk,
            "title": "Relationship survey",
            "opens_on": _days(-1),
            "closes_on": _days(20),
            "anonymous": True,
        },
    ),
    _api(
        "api:survey-round-answer",
        helpers.survey,
        method="post",
        data=lambda w, p: {"scores": _survey_scores()},
        ok=(201,),
    ),
    Endpoint(
        "api:health-snapshot-list", lambda w, p: reverse("api:health-snapshot-list"), api=True, partner_scoped=False
    ),
    _api(
        "api:health-snapshot-detail",
        helpers.health_snapshot,
    ),
    _listing("api:timeline-event-list", "api:timeline-event-list", helpers.notice, _notice_marker, api=True),
    _api(
        "api:timeline-event-detail",
        helpers.timeline_event,
        marker=lambda w, p: f"Milestone {p.name}",
    ),
    _api(
        "api:timeline-event-detail-internal",
        lambda w, p: helpers.timeline_event(w, p, internal=True),
        route="api:timeline-event-detail",
        allowed=HOST,
    ),
]
