"""A partner user cannot tell another partner's (or the host's internal) objects from missing ones.

For every writable API endpoint with a related field, a partner manager of partner A posts once
with the id of an object out of their reach (partner B's, or one the host keeps internal) and once
with an id that does not exist: the status and the body must be the same, word for word (the id
itself aside). The same holds for KPI codes in the bulk API and the file import. A request with
an object of A's own shows the field accepts what is in reach (so "refuse everything" cannot pass).
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import client_for
from tests.kpis.helpers import assign, internal_kpi
from tests.kpis.helpers import setup_partner as setup_kpis
from tests.meetings.helpers import action_for, meeting_for, topic_for
from tests.relations import helpers as rel

MISSING_ID = 987654321


def _normalised(response, value):
    """The response body with `value` (the id or code that was sent) replaced by a placeholder."""
    text = response.content.decode()
    try:
        data = json.loads(text)
    except ValueError:
        return text.replace(str(value), "<value>")
    pattern = re.compile(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])")

    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return pattern.sub("<value>", node)
        return node

    return walk(data)


@dataclass
class Probe:
    id: str
    method: str
    url: Callable  # url(world) -> str
    payload: Callable  # payload(world, value) -> dict
    # label -> value(world): ids or codes of objects out of partner A's manager's reach
    foreign: dict
    own: Callable  # own(world) -> a value in reach
    own_ok: tuple = (200, 201)
    missing: object = MISSING_ID
    refused: tuple = (400,)  # the one answer for foreign and missing values
    extra: dict = field(default_factory=dict)


def _hidden_plan(world):
    return rel.roadmap_item(world, None).pk


def _own_case(world):
    return rel.case(world, world.partner_a)


def _internal_measurement(world):
    """A measurement of a KPI the host tracks about partner A internally (not shared)."""
    from kpis.models import Measurement

    return Measurement.objects.create(
        partner=world.partner_a,
        kpi=assign(world.partner_a, internal_kpi(), shared=False).kpi,
        period_kind="month",
        period_start=date(2026, 9, 1),
        value=120,
    ).pk


def _bulk(world, code):
    return {"measurements": [{"kpi": code, "period_start": "2025-03-03", "numerator": 2, "denominator": 400}]}


def _kpi_world(world):
    """Error rate (partner input) and an internal KPI at A; inventory turnover only at B; customer
    satisfaction assigned to nobody."""
    setup_kpis(world.partner_a)
    assign(world.partner_b, "inventory-turnover", partner_can_submit=True)


def _kpi_code(code):
    def value(world):
        _kpi_world(world)
        return code

    return value


PROBES = [
    Probe(
        "agenda-topic-create",
        "post",
        lambda w: reverse("api:agenda-topic-list"),
        lambda w, v: {"meeting": v, "title": "Dock door 4"},
        foreign={"other partner's meeting": lambda w: meeting_for(w, w.partner_b).pk},
        own=lambda w: meeting_for(w, w.partner_a).pk,
        own_ok=(201,),
    ),
    Probe(
        "agenda-topic-move",
        "patch",
        lambda w: reverse("api:agenda-topic-detail", args=[topic_for(w, w.partner_a).pk]),
        lambda w, v: {"meeting": v},
        foreign={"other partner's meeting": lambda w: meeting_for(w, w.partner_b).pk},
        own=lambda w: topic_for(w, w.partner_a).meeting_id,
        own_ok=(400,),  # in reach, so the answer is the service's: a topic does not move
    ),
    Probe(
        "roadmap-comment-item",
        "post",
        lambda w: reverse("api:roadmap-comment-list"),
        lambda w, v: {"item": v, "body": "Can we start in May?"},
        foreign={
            "plan shared with the other partner": lambda w: rel.roadmap_item(w, w.partner_b).pk,
            "host-internal plan": _hidden_plan,
        },
        own=lambda w: rel.roadmap_item(w, w.partner_a).pk,
        own_ok=(201,),
    ),
    Probe(
        "roadmap-comment-partner",
        "post",
        lambda w: reverse("api:roadmap-comment-list"),
        lambda w, v: {"item": rel.roadmap_item(w, w.partner_a).pk, "partner": v, "body": "Our thread"},
        foreign={"other partner": lambda w: w.partner_b.pk},
        own=lambda w: w.partner_a.pk,
        own_ok=(201,),
    ),
    Probe(
        "notice-create",
        "post",
        lambda w: reverse("api:notice-list"),
        lambda w, v: {
            "partner": v,
            "kind": "capacity",
            "severity": "low",
            "title": "Peak week",
            "affected_from": "2030-01-05T08:00:00Z",
        },
        foreign={"other partner": lambda w: w.partner_b.pk},
        own=lambda w: w.partner_a.pk,
        own_ok=(201,),
    ),
    Probe(
        "case-create",
        "post",
        lambda w: reverse("api:case-list"),
        lambda w, v: {"partner": v, "title": "Missed pick-up", "what_happened": "The truck did not come."},
        foreign={"other partner": lambda w: w.partner_b.pk},
        own=lambda w: w.partner_a.pk,
        own_ok=(201,),
    ),
    Probe(
        "case-patch-partner",
        "patch",
        lambda w: reverse("api:case-detail", args=[_own_case(w).pk]),
        lambda w, v: {"partner": v, "root_cause": "Driver shortage"},
        foreign={"other partner": lambda w: w.partner_b.pk},
        own=lambda w: w.partner_a.pk,
    ),
    Probe(
        "case-link-measurement",
        "post",
        lambda w: reverse("api:case-link-measurement", args=[_own_case(w).pk]),
        lambda w, v: {"measurement": v},
        foreign={
            "other partner's measurement": lambda w: rel.shared_measurement(w.partner_b).pk,
            "measurement of a KPI the host keeps internal": _internal_measurement,
        },
        own=lambda w: rel.shared_measurement(w.partner_a).pk,
    ),
    Probe(
        "kudos-create",
        "post",
        lambda w: reverse("api:kudos-list"),
        lambda w, v: {"partner": v, "title": "Thanks for the quick help"},
        foreign={"other partner": lambda w: w.partner_b.pk},
        own=lambda w: w.partner_a.pk,
        own_ok=(201,),
    ),
    Probe(
        "bulk-kpi-code",
        "post",
        lambda w: reverse("api:kpi-measurement-bulk"),
        _bulk,
        foreign={
            "KPI the host tracks internally about A": lambda w: (_kpi_world(w), internal_kpi().code)[1],
            "KPI assigned to the other partner only": _kpi_code("inventory-turnover"),
            "KPI that exists but is assigned to nobody": _kpi_code("customer-satisfaction"),
        },
        own=_kpi_code("error-rate"),
        missing="no-such-kpi",
    ),
    Probe(
        "bulk-partner",
        "post",
        lambda w: (_kpi_world(w), reverse("api:kpi-measurement-bulk"))[1],
        lambda w, v: {"measurements": [{**_bulk(w, "error-rate")["measurements"][0], "partner": v}]},
        foreign={"other partner": lambda w: w.partner_b.pk},
        own=lambda w: w.partner_a.pk,
    ),
    Probe(
        "bulk-site",
        "post",
        lambda w: (_kpi_world(w), reverse("api:kpi-measurement-bulk"))[1],
        lambda w, v: {"measurements": [{**_bulk(w, "error-rate")["measurements"][0], "site": v}]},
        foreign={"other partner's site": lambda w: w.site_b.code},
        own=lambda w: w.site_a.code,
        missing="NOSITE",
    ),
]


def _review(world, partner):
    from tests.kpis.access import _review as review_of

    return review_of(world, partner)


PROBES += [
    Probe(
        "scorecard-dispute-kpi",
        "post",
        lambda w: reverse("api:scorecard-review-dispute", args=[_review(w, w.partner_a).pk]),
        lambda w, v: {"partner_kpi": v, "reason": "Our count differs", "measured_value": 0.4},
        foreign={
            "other partner's KPI": lambda w: setup_kpis(w.partner_b)[0].pk,
            "KPI the host tracks internally about A": lambda w: setup_kpis(w.partner_a)[2].pk,
        },
        own=lambda w: setup_kpis(w.partner_a)[0].pk,
        own_ok=(201,),
    ),
]


def _send(client, probe, world, value):
    url = probe.url(world)
    payload = probe.payload(world, value)
    return getattr(client, probe.method)(url, data=json.dumps(payload), content_type="application/json")


CASES = [(p, label) for p in PROBES for label in p.foreign]


@pytest.mark.parametrize(("probe", "label"), CASES, ids=[f"{p.id}[{label}]" for p, label in CASES])
def test_out_of_reach_answers_like_missing(probe, label, world):
    client = client_for(world.a_manager)
    foreign = probe.foreign[label](world)
    out_of_reach = _send(client, probe, world, foreign)
    missing = _send(client, probe, world, probe.missing)
    assert missing.status_code in probe.refused, missing.content
    assert out_of_reach.status_code == missing.status_code, (label, out_of_reach.content, missing.content)
    assert _normalised(out_of_reach, foreign) == _normalised(missing, probe.missing), (label, out_of_reach.content)


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_own_objects_are_accepted(probe, world):
    """The control: a value in the partner manager's reach passes the field (it does not refuse all)."""
    client = client_for(world.a_manager)
    response = _send(client, probe, world, probe.own(world))
    assert response.status_code in probe.own_ok, response.content
    if probe.id == "agenda-topic-move":
        assert "Invalid pk" not in response.content.decode()


def _import_problems(client, code):
    content = f"kpi,period_start,numerator,denominator\n{code},2025-03-03,2,400\n".encode()
    response = client.post(reverse("kpis:import"), {"file": SimpleUploadedFile("values.csv", content)})
    assert response.status_code == 200
    return [
        {name: str(message).replace(code, "<value>") for name, message in problem["errors"].items()}
        for problem in response.context["problems"]
    ]


@pytest.mark.parametrize("code", ["pallets-moved", "inventory-turnover", "customer-satisfaction"])
def test_import_tells_no_kpi_code_apart(code, world):
    """The file import answers an internal, another partner's or an unassigned KPI code like an unknown one."""
    _kpi_world(world)
    client = client_for(world.a_manager)
    unknown = _import_problems(client, "no-such-kpi")
    assert unknown and "kpi" in unknown[0]
    assert _import_problems(client, code) == unknown
    assert _import_problems(client, "error-rate") == []


def test_host_staff_still_hear_why_a_code_does_not_fit(world):
    """Host staff see every KPI: for them the message still names the partner the KPI is not assigned to."""
    _kpi_world(world)
    payload = {
        "measurements": [{**_bulk(world, "inventory-turnover")["measurements"][0], "partner": world.partner_a.pk}]
    }
    response = client_for(world.manager).post(
        reverse("api:kpi-measurement-bulk"), data=json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400
    assert world.partner_a.name in json.dumps(response.json()["errors"], ensure_ascii=False)


def test_action_item_status_with_a_related_field_is_refused_alike(world):
    """An owner's status PATCH that also names a meeting is host work (403), whichever meeting it names."""
    item = action_for(world, world.partner_a, owner=world.a_manager)
    client = client_for(world.a_manager)
    url = reverse("api:action-item-detail", args=[item.pk])
    answers = []
    for meeting in (meeting_for(world, world.partner_b).pk, MISSING_ID):
        response = client.patch(
            url, data=json.dumps({"status": "done", "meeting": meeting}), content_type="application/json"
        )
        answers.append((response.status_code, response.content))
    assert answers[0] == answers[1]
    assert answers[0][0] == 403


LIST_FILTERS = [
    ("api:notice-list", "partner", lambda w: w.partner_b.pk),
    ("api:case-list", "partner", lambda w: w.partner_b.pk),
    ("api:meeting-list", "partner", lambda w: w.partner_b.pk),
    ("api:partner-kpi-list", "partner", lambda w: w.partner_b.pk),
    ("api:scorecard-review-list", "partner", lambda w: w.partner_b.pk),
    ("api:scorecard-dispute-list", "partner", lambda w: w.partner_b.pk),
]


@pytest.mark.parametrize(("route", "param", "foreign"), LIST_FILTERS, ids=[f"{r}?{p}" for r, p, _ in LIST_FILTERS])
def test_list_filters_answer_an_out_of_reach_id_like_a_missing_one(world, route, param, foreign):
    client = client_for(world.a_manager)
    url = reverse(route)
    out_of_reach = client.get(url, {param: foreign(world)})
    missing = client.get(url, {param: MISSING_ID})
    assert out_of_reach.status_code == missing.status_code
    assert _normalised(out_of_reach, foreign(world)) == _normalised(missing, MISSING_ID)
    # The own partner's id is a valid choice.
    assert client.get(url, {param: world.partner_a.pk}).status_code == 200
