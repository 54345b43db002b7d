"""The import page (the services) and the bulk loader (`kpis_load_csv`) accept and refuse the same rows.

Each case is a file in the loader's format, which the import page reads too. Both paths see the same
stored data; the page's preview says whether the services accept the file, the loader's exit says
whether it does. A case marked `copy` is a file of new daily rows (the loader's COPY path), `checked` one
that takes the checking path (weeks, months, corrections).
"""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kpis.models import KPIDefinition, Measurement
from tests.kpis.helpers import measure, setup_partner

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HEADER = "partner,kpi,period_kind,period_start,site,value,numerator,denominator,sample_size\n"
TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()
TODAY = timezone.localdate()
THIS_MONDAY = (TODAY - timedelta(days=TODAY.weekday())).isoformat()

# (id, lines with {a} and {b} for the partners, accepted?)
CASES = [
    ("good-ratio", ["{a},error-rate,day,2025-03-03,,,1,100,"], True),
    ("good-weighted", ["{a},delivery-time,day,2025-03-03,,12.5,,,40"], True),
    ("good-host-site", ["{a},error-rate,day,2025-03-03,AAR1,,1,100,"], True),
    ("good-own-site", ["{a},error-rate,day,2025-03-03,ALFA1,,1,100,"], True),
    ("good-week", ["{a},error-rate,week,2025-03-05,,,1,100,"], True),
    ("good-month", ["{a},error-rate,month,2025-03-01,,,1,100,"], True),
    ("good-this-week", ["{a},error-rate,week," + THIS_MONDAY + ",,,1,100,"], True),
    ("good-quoted-decimal", ['{a},delivery-time,day,2025-03-03,,"12,5",,,40'], True),
    ("good-ratio-value-ignored", ["{a},error-rate,day,2025-03-03,,7,1,100,"], True),
    ("good-unkept-parts", ["{a},delivery-time,day,2025-03-03,,12,3,4,40"], True),
    ("good-trailing-empty", ["{a},error-rate,day,2025-03-03,,,1,100,,,"], True),
    ("site-of-another-partner", ["{a},error-rate,day,2025-03-03,BETA1,,1,100,"], False),
    ("site-of-another-partner-week", ["{a},error-rate,week,2025-03-03,BETA1,,1,100,"], False),
    ("unknown-site", ["{a},error-rate,day,2025-03-03,NOPE,,1,100,"], False),
    ("unknown-partner", ["99999,error-rate,day,2025-03-03,,,1,100,"], False),
    ("host-as-partner", ["{host},error-rate,day,2025-03-03,,,1,100,"], False),
    ("unknown-kpi", ["{a},nope,day,2025-03-03,,,1,100,"], False),
    ("inactive-kpi", ["{a},inventory-turnover,day,2025-03-03,,5,,,"], False),
    ("unassigned-kpi", ["{b},error-rate,day,2025-03-03,,,1,100,"], False),
    ("bad-period-kind", ["{a},error-rate,year,2025-03-03,,,1,100,"], False),
    ("bad-date", ["{a},error-rate,day,2025-02-30,,,1,100,"], False),
    ("future-day", ["{a},error-rate,day," + TOMORROW + ",,,1,100,"], False),
    ("negative-numerator", ["{a},error-rate,day,2025-03-03,,,-1,100,"], False),
    ("negative-value", ["{a},delivery-time,day,2025-03-03,,-2,,,40"], False),
    ("negative-sample-size", ["{a},delivery-time,day,2025-03-03,,2,,,-40"], False),
    ("negative-unkept-count", ["{a},delivery-time,day,2025-03-03,,2,-1,,40"], False),
    ("zero-sample-size", ["{a},delivery-time,day,2025-03-03,,2,,,0"], False),
    ("nan-value", ["{a},delivery-time,day,2025-03-03,,NaN,,,40"], False),
    ("inf-value", ["{a},delivery-time,day,2025-03-03,,Infinity,,,40"], False),
    ("overflowing-value", ["{a},delivery-time,day,2025-03-03,,1e999,,,40"], False),
    ("text-in-unkept-part", ["{a},delivery-time,day,2025-03-03,,2,abc,,40"], False),
    ("ratio-without-denominator", ["{a},error-rate,day,2025-03-03,,,1,,"], False),
    ("ratio-denominator-zero", ["{a},error-rate,day,2025-03-03,,,1,0,"], False),
    ("numerator-above-denominator", ["{a},error-rate,day,2025-03-03,,,150,100,"], False),
    ("weighted-without-sample-size", ["{a},delivery-time,day,2025-03-03,,12,,,"], False),
    ("value-missing", ["{a},delivery-time,day,2025-03-03,,,,,40"], False),
    ("extra-field", ["{a},delivery-time,day,2025-03-03,,12,5,,40,7"], False),
    ("unquoted-danish-decimal", ["{a},delivery-time,day,2025-03-03,,12,5,,,40"], False),
    ("duplicate-rows", ["{a},error-rate,day,2025-03-03,,,1,100,", "{a},error-rate,day,2025-03-03,,,2,100,"], False),
    (
        "month-over-days-in-file",
        ["{a},error-rate,month,2025-03-01,,,1,100,", "{a},error-rate,day,2025-03-09,,,1,100,"],
        False,
    ),
    (
        "total-beside-site",
        ["{a},error-rate,day,2025-03-10,ALFA1,,1,100,", "{a},error-rate,day,2025-03-10,,,1,100,"],
        False,
    ),
    ("day-under-stored-month", ["{a},error-rate,day,2025-01-15,,,1,100,"], False),
    ("week-over-stored-day", ["{a},error-rate,week,2025-02-12,,,1,100,"], False),
    ("correction-of-stored-day", ["{a},error-rate,day,2025-02-10,ALFA1,,3,100,"], True),
]


def _stored(world):
    """Stored values both paths check against: a month of January and a day per site in February."""
    setup_partner(world.partner_a)
    KPIDefinition.objects.filter(code="inventory-turnover").update(is_active=False)
    from kpis.models import PartnerKPI

    PartnerKPI.objects.get_or_create(partner=world.partner_a, kpi=KPIDefinition.objects.get(code="inventory-turnover"))
    measure(world.partner_a, "error-rate", date(2025, 2, 10), numerator=1, denominator=100, site=world.site_a)
    Measurement.objects.create(
        partner=world.partner_a,
        kpi=KPIDefinition.objects.get(code="error-rate"),
        period_kind="month",
        period_start=date(2025, 1, 1),
        value=1.0,
        numerator=5,
        denominator=500,
    )


def _import_accepts(client, content: str) -> bool:
    response = client.post(reverse("kpis:import"), {"file": SimpleUploadedFile("m.csv", content.encode())})
    assert response.status_code == 200
    if "problems" not in response.context:
        return False  # the file as a whole was refused
    return response.context["problems"] == []


def _loader_accepts(tmp_path, content: str) -> bool:
    path = tmp_path / "load.csv"
    path.write_text(content)
    before = sorted(Measurement.objects.values_list("pk", "value"))
    try:
        call_command("kpis_load_csv", str(path), "--quiet-progress", "--no-alerts")
    except CommandError:
        assert sorted(Measurement.objects.values_list("pk", "value")) == before  # nothing changed
        return False
    return True


@pytest.mark.parametrize(("lines", "accepted"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_the_import_and_the_loader_agree(world, client_as, settings, tmp_path, lines, accepted):
    settings.MEDIA_ROOT = tmp_path / "media"
    _stored(world)
    ids = {"a": world.partner_a.pk, "b": world.partner_b.pk, "host": world.host.pk}
    content = HEADER + "".join(line.format(**ids) + "\n" for line in lines)
    by_import = _import_accepts(client_as(world.manager), content)
    by_loader = _loader_accepts(tmp_path, content)
    assert (by_import, by_loader) == (accepted, accepted)
