"""Bulk writes (issue 16): the API's bulk post, corrections and deletes cost a constant number of queries
whatever the number of rows, keep the monthly rollup equal to a full rebuild, keep the history of every
correction, and notify each breach once."""

import json
import random
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kpis import rollups
from kpis.models import Measurement, MonthlyRollup, Source
from kpis.services import MeasurementInput, measurements_delete, measurements_upsert
from partnerportal.notifications.models import Notification, NotificationPreference
from tests.kpis.helpers import assign, internal_kpi, kpi, setup_partner

pytestmark = pytest.mark.django_db

ROLLUP_FIELDS = rollups.SUM_COLUMNS  # the rollup's own list of what it adds up


def _api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _post(client, items):
    return client.post(
        reverse("api:kpi-measurement-bulk"), data=json.dumps({"measurements": items}), content_type="application/json"
    )


def _days(first: date, n: int):
    return [first + timedelta(days=i) for i in range(n)]


def _rows(partner_id, days, *, errors=5, delivery=40.0):
    """Error rate and delivery time per day (critical by default: 5 % and 40 h), half of `days` each."""
    rows = []
    for i, day in enumerate(days):
        if i % 2:
            rows.append(
                {"partner": partner_id, "kpi": "delivery-time", "period_start": day.isoformat(), "value": delivery}
                | {"sample_size": 10}
            )
        else:
            rows.append(
                {"partner": partner_id, "kpi": "error-rate", "period_start": day.isoformat()}
                | {"numerator": errors, "denominator": 100}
            )
    return rows


def _count(client, items):
    with CaptureQueriesContext(connection) as captured:
        response = _post(client, items)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()


def _rollup():
    return {
        (r.partner_id, r.kpi_id, r.month): tuple(getattr(r, f) for f in ROLLUP_FIELDS)
        for r in MonthlyRollup.objects.all()
    }


def _assert_rollup_is_a_rebuild():
    kept = _rollup()
    rollups.rebuild_all()
    rebuilt = _rollup()
    assert set(kept) == set(rebuilt)
    for key, want in rebuilt.items():
        assert kept[key][5:] == want[5:], key
        assert kept[key][:5] == pytest.approx(want[:5], rel=1e-12, abs=1e-12), key


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite splits an insert of 100 rows by its limit of parameters"
)
def test_bulk_post_of_new_rows_costs_the_same_queries_for_10_and_100_rows(world):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    client = _api(world.manager)
    _post(client, _rows(p, _days(date(2025, 1, 1), 4)))  # warm-up (token, caches)
    small, result = _count(client, _rows(p, _days(date(2025, 3, 1), 10)))
    assert result == {"created": 10, "updated": 0, "unchanged": 0}
    large, result = _count(client, _rows(p, _days(date(2025, 5, 1), 100)))  # four months, 8 breaches
    assert result == {"created": 100, "updated": 0, "unchanged": 0}
    keys = set(Notification.objects.filter(kind="kpis.breach").values_list("key", flat=True))
    assert {key[-7:] for key in keys} == {"2025-01", "2025-03", "2025-05", "2025-06", "2025-07", "2025-08"}
    assert large == small
    assert large <= 30
    _assert_rollup_is_a_rebuild()


def test_100_corrections_cost_the_same_queries_as_10_and_keep_both_values_in_history(world):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    client = _api(world.manager)
    first, second = _days(date(2025, 3, 1), 10), _days(date(2025, 5, 1), 100)
    assert _post(client, _rows(p, first + second, errors=3, delivery=30.0)).status_code == 200
    # Rows the bulk loader wrote have no history yet: their value before is snapshotted first.
    loaded = Measurement.objects.filter(period_start__in=first[::3] + second[::3])
    Measurement.history.model.objects.filter(id__in=loaded.values("pk")).delete()
    small, result = _count(client, _rows(p, first, errors=4, delivery=31.0))
    assert result == {"created": 0, "updated": 10, "unchanged": 0}
    large, result = _count(client, _rows(p, second, errors=4, delivery=31.0))
    assert result == {"created": 0, "updated": 100, "unchanged": 0}
    assert large == small
    assert large <= 30
    for m in Measurement.objects.all():
        history = list(m.history.order_by("history_date", "history_id").values_list("value", "history_type", "source"))
        assert [row[0] for row in history] == ([3.0, 4.0] if m.kpi.code == "error-rate" else [30.0, 31.0])
        assert history[-1][1:] == ("~", "api")
        assert m.entered_by_id == world.manager.pk
    corrected = Measurement.objects.get(kpi__code="error-rate", period_start=date(2025, 5, 1))
    assert (corrected.numerator, corrected.value) == (4, 4.0)
    assert corrected.updated_at > corrected.created_at
    _assert_rollup_is_a_rebuild()


def test_several_breaches_in_one_bulk_post_notify_each_once(world):
    error, delivery, _internal = setup_partner(world.partner_a)
    for assignment in (error, delivery):
        assignment.responsible_host = world.manager
        assignment.responsible_partner = world.a_manager
        assignment.save()
    NotificationPreference.objects.create(user=world.a_manager, kind="kpis.breach", email=False)
    p = world.partner_a.pk
    client = _api(world.manager)
    rows = _rows(p, _days(date(2025, 1, 1), 90))  # January to March: 3 months × 2 KPIs critical
    assert _post(client, rows).json()["created"] == 90
    breaches = Notification.objects.filter(kind="kpis.breach").all  # a fresh query each time
    expected = {f"kpi:breach:{a.pk}:2025-{month:02d}" for a in (error, delivery) for month in (1, 2, 3)}
    assert {n.key for n in breaches()} == expected
    for key in expected:
        assert sorted(breaches().filter(key=key).values_list("recipient__username", flat=True)) == [
            "a_manager",
            "manager",
        ]
    assert breaches().count() == 12
    assert all(n.partner_id == p and n.subject and n.body for n in breaches())
    # Each recipient's own choice of e-mail, as notify() makes it.
    assert set(breaches().values_list("recipient__username", "email")) == {("manager", True), ("a_manager", False)}
    # The same rows again, and corrections that stay critical: no second notification.
    assert _post(client, rows).json()["unchanged"] == 90
    assert _post(client, _rows(p, _days(date(2025, 1, 1), 90), errors=6)).json()["updated"] == 45
    assert breaches().count() == 12
    # A month that is on target, then a bulk post that makes it critical, notifies that month only.
    assert _post(client, _rows(p, _days(date(2025, 4, 1), 30), errors=1, delivery=20.0)).json()["created"] == 30
    assert breaches().count() == 12
    assert _post(client, _rows(p, _days(date(2025, 4, 1), 30), errors=9, delivery=50.0)).json()["updated"] == 30
    assert breaches().count() == 16
    assert breaches().filter(key__endswith=":2025-04").count() == 4


def test_an_internal_kpi_breach_in_a_bulk_post_reaches_the_host_only(world):
    setup_partner(world.partner_a)
    client = _api(world.manager)
    rows = [
        {"partner": world.partner_a.pk, "kpi": "pallets-moved", "period_start": f"2025-02-{d:02d}", "value": 1}
        for d in range(1, 11)
    ]
    assign(world.partner_a, internal_kpi()).targets.update(critical=50, warning=80)
    assert _post(client, rows).json()["created"] == 10
    recipients = set(Notification.objects.filter(kind="kpis.breach").values_list("recipient__username", flat=True))
    assert recipients == {"manager"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bulk_writes_corrections_and_deletes_keep_the_rollup_equal_to_a_rebuild(world, seed):
    """Days (with and without sites), weeks that reach into the next month and months, written, corrected
    and deleted at random in batches: after each batch the rollup is what rebuild_all makes of the rows."""
    rng = random.Random(seed)
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    assign(world.partner_a, "customer-satisfaction")
    error, delivery, pallets, satisfaction = (
        kpi(code) for code in ("error-rate", "delivery-time", "pallets-moved", "customer-satisfaction")
    )
    mondays = [date(2025, 1, 1) + timedelta(weeks=w) for w in range(30)]  # 29 Jan–4 Feb reaches into February

    def item(partner, definition, kind, start, site=None):
        numbers = {
            "error-rate": {"numerator": rng.randint(0, 9), "denominator": rng.randint(50, 200)},
            "delivery-time": {"value": rng.uniform(10, 40), "sample_size": rng.randint(1, 30)},
            "pallets-moved": {"value": float(rng.randint(0, 500))},
            "customer-satisfaction": {"value": rng.uniform(1, 5), "sample_size": rng.randint(1, 9)},
        }[definition.code]
        return MeasurementInput(
            partner=partner, kpi=definition, period_kind=kind, period_start=start, site=site, **numbers
        )

    def batch():
        items = {}
        for _ in range(rng.randint(5, 60)):
            partner = rng.choice([world.partner_a, world.partner_b])
            which = rng.randrange(4)
            if which == 0:  # days per site (the partner's own, or the host's)
                site = rng.choice([world.host_site, world.site_a if partner == world.partner_a else world.site_b])
                candidate = item(partner, error, "day", date(2025, 1, 1) + timedelta(days=rng.randrange(200)), site)
            elif which == 1:  # weeks, some of them reaching into the next month
                candidate = item(partner, delivery, "week", rng.choice(mondays))
            elif which == 2:  # months
                candidate = item(partner, pallets, "month", date(2025, rng.randint(1, 7), 1))
            else:
                candidate = item(
                    world.partner_a, satisfaction, "day", date(2025, 1, 25) + timedelta(days=rng.randrange(14))
                )
            items[candidate.key] = candidate
        return list(items.values())

    for _round in range(6):
        result = measurements_upsert(user=world.manager, items=batch(), source=Source.API)
        assert result.created + result.updated + result.unchanged > 0
        _assert_rollup_is_a_rebuild()
        stored = list(Measurement.objects.values_list("pk", flat=True))
        doomed = rng.sample(stored, k=min(len(stored), rng.randint(0, 8)))
        measurements_delete(user=world.admin, measurements=Measurement.objects.filter(pk__in=doomed))
        _assert_rollup_is_a_rebuild()
    assert Measurement.history.model.objects.filter(history_type="~").exists()  # corrections happened


def test_a_bulk_post_reads_only_the_partners_and_sites_its_rows_name(world):
    """`rules.References` used to load every partner and site the user may see on each post."""
    from kpis import rules
    from partners.models import Organization, Site

    for i in range(30):
        other = Organization.objects.create(name=f"Other partner {i}", kind="3pl")
        Site.objects.create(organization=other, name=f"Depot {i}", code=f"D{i}")
    site = Site.objects.create(organization=world.partner_a, name="Køge", code="KGE")
    a, b = world.partner_a, world.partner_b
    rows = [
        {"partner": f"{a.pk}.0", "site": " kge "},
        {"partner": f"  {b.name.upper()} "},
        {"partner": "no such partner"},
        {"partner": ""},
    ]
    references = rules.References(world.manager, rows=rows)
    assert set(references.partners) == {str(a.pk), str(b.pk)}
    assert set(references.sites) == {"kge"}
    assert references.partner(f"{a.pk}.0") == a and references.partner(f" {b.name.lower()}") == b
    assert references.site("KGE") == site
    with pytest.raises(ValueError):
        references.partner("no such partner")
    with pytest.raises(ValueError):
        references.site("D1")  # a site no row names is not read
    # A partner user still knows only their own organisation, however the rows name the other one.
    theirs = rules.References(world.a_manager, rows=[{"partner": b.pk}, {"partner": a.name}])
    assert set(theirs.partners) == {str(a.pk)}


@pytest.mark.parametrize(
    "item",
    [
        {"partner": " 12 ", "kpi": "error-rate", "period_start": "2025-03-01", "numerator": 3, "denominator": "1200"},
        {"kpi": "pallets-moved", "period_kind": "week", "period_start": "2025-03-03", "site": "  ", "value": 1.5},
        {"kpi": "pallets-moved", "period_start": "2025-03-03", "site": None, "value": None, "other": "ignored"},
        {"kpi": "pallets-moved", "period_start": "2025-03-03", "site": " AAR1 ", "sample_size": "12,5"},
    ],
)
def test_an_ordinary_bulk_payload_is_read_as_the_serializer_reads_it(item):
    from kpis.api.serializers import BulkSerializer
    from kpis.api.views import _plain_measurements

    serializer = BulkSerializer(data={"measurements": [item]})
    assert serializer.is_valid(), serializer.errors
    assert _plain_measurements({"measurements": [item]}) == [dict(r) for r in serializer.validated_data["measurements"]]


@pytest.mark.parametrize(
    "item",
    [
        {"kpi": "error-rate"},  # no period_start
        {"partner": "", "kpi": "error-rate", "period_start": "2025-03-01"},
        {"partner": 12, "kpi": "error-rate", "period_start": "2025-03-01"},
        {"kpi": "x" * 201, "period_start": "2025-03-01"},
        {"kpi": "error-rate", "period_start": "2025-03-01", "value": [1]},
        "not an object",
    ],
)
def test_anything_out_of_the_ordinary_goes_through_the_serializer(item):
    from kpis.api.views import _plain_measurements

    assert _plain_measurements({"measurements": [item]}) is None


def test_the_fast_path_reads_its_fields_from_the_serializer():
    """The plain reading of a bulk payload takes its fields, lengths, required flags and defaults
    from BulkItemSerializer: a field changed there changes here (no second list to keep in step)."""
    from kpis.api.serializers import BulkItemSerializer
    from kpis.api.views import _NUMBER_FIELDS, _TEXT_FIELDS

    fields = BulkItemSerializer().fields
    assert {f.name for f in _TEXT_FIELDS} | set(_NUMBER_FIELDS) == set(fields)
    for text in _TEXT_FIELDS:
        field = fields[text.name]
        assert (text.max_length, text.required, text.blank) == (field.max_length, field.required, field.allow_blank)
    assert next(f.default for f in _TEXT_FIELDS if f.name == "period_kind") == fields["period_kind"].default


def test_a_field_added_to_the_serializer_reaches_the_fast_path(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured
    from rest_framework import serializers

    from kpis.api import views
    from kpis.api.serializers import BulkItemSerializer

    class Wider(BulkItemSerializer):
        kpi = serializers.CharField(max_length=50)
        note = serializers.CharField(required=False, default="none", max_length=10)

    monkeypatch.setattr(views, "BulkItemSerializer", Wider)
    texts, _numbers = views._bulk_item_fields()
    by_name = {f.name: f for f in texts}
    assert by_name["kpi"].max_length == 50
    assert by_name["note"] == views._TextField("note", 10, False, False, "none")

    class Unknown(BulkItemSerializer):
        count = serializers.IntegerField(required=False)

    monkeypatch.setattr(views, "BulkItemSerializer", Unknown)
    with pytest.raises(ImproperlyConfigured, match="count"):
        views._bulk_item_fields()
