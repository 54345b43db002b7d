from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis.models import KPIDefinition
from tests.access import HOST, Endpoint
from tests.kpis.helpers import setup_partner

PARTNER_MANAGER_AND_HOST = HOST | {"partner_manager"}


def _pk(w, p, index=0):
    return setup_partner(p)[index].pk


def _measurement(p):
    from datetime import date

    from kpis.models import Measurement

    error = setup_partner(p)[0]
    measurement, _ = Measurement.objects.get_or_create(
        partner=p,
        kpi=error.kpi,
        period_kind="day",
        period_start=date(2025, 3, 3),
        site=None,
        defaults={"value": 1.0, "numerator": 1, "denominator": 100},
    )
    return measurement


def _definition_data(w, p):
    return {
        "code": "dock-time",
        "name": "Dock time",
        "unit": "min",
        "direction": "lower",
        "aggregation": "last",
        "scale": "1",
        "decimals": "1",
        "how_measured": "Minutes from arrival at the gate to the truck at the dock.",
        "why_it_matters": "Waiting trucks cost both sides.",
        "is_active": "on",
    }


def _import_file(w, p):
    setup_partner(p)
    content = f"partner,kpi,period_start,numerator,denominator\n{p.pk},error-rate,2025-03-03,2,400\n".encode()
    return {"file": SimpleUploadedFile("values.csv", content, content_type="text/csv")}


def _partner_url(name):
    def build(w, p):
        setup_partner(p)
        return reverse(name, args=[p.pk])

    return build


def _review(w, p):
    from datetime import timedelta

    from django.utils import timezone

    from kpis import reviews
    from kpis.models import ScorecardReview

    setup_partner(p)
    today = timezone.localdate()
    review, _ = ScorecardReview.objects.get_or_create(
        partner=p,
        month=reviews.last_closed_month(today),
        defaults={"proposed_at": timezone.now(), "window_ends": today + timedelta(days=10)},
    )
    return review


def _dispute(w, p):
    from django.core.files.base import ContentFile

    from kpis.models import ScorecardDispute

    review = _review(w, p)
    dispute = ScorecardDispute.objects.filter(review=review).first()
    if dispute is None:
        dispute = ScorecardDispute(
            review=review,
            partner_kpi=setup_partner(p)[0],
            reason=f"Disputed by {p.name}",
            measured_value=0.4,
            opened_by=w.user("partner_manager", p),
            evidence_name="count.csv",
        )
        dispute.evidence.save("count.csv", ContentFile(b"day,errors\n2026-01-05,1\n"), save=False)
        dispute.save()
        review.state = "disputed"
        review.save(update_fields=["state"])
    return dispute


ENDPOINTS = [
    Endpoint("kpis:definitions", lambda w, p: reverse("kpis:definitions"), partner_scoped=False),
    Endpoint(
        "kpis:definition_create",
        lambda w, p: reverse("kpis:definition_create"),
        allowed={"admin"},
        partner_scoped=False,
    ),
    Endpoint(
        "kpis:definition_create-post",
        lambda w, p: reverse("kpis:definition_create"),
        allowed={"admin"},
        partner_scoped=False,
        method="post",
        data=_definition_data,
        ok=(302,),
    ),
    Endpoint(
        "kpis:definition_edit",
        lambda w, p: reverse("kpis:definition_edit", args=[setup_partner(p)[0].kpi_id]),
        allowed={"admin"},
        partner_scoped=False,
    ),
    Endpoint(
        "kpis:definition_edit-post",
        lambda w, p: reverse("kpis:definition_edit", args=[setup_partner(p)[2].kpi_id]),
        allowed={"admin"},
        partner_scoped=False,
        method="post",
        data=lambda w, p: {
            **_definition_data(w, p),
            "code": "pallets-moved",
            "direction": "higher",
            "aggregation": "sum",
        },
        ok=(302,),
    ),
    Endpoint(
        "kpis:portfolio",
        lambda w, p: (setup_partner(w.partner_a), setup_partner(w.partner_b), reverse("kpis:portfolio"))[-1],
        allowed=HOST,
        partner_scoped=False,
    ),
    Endpoint(
        "kpis:import", lambda w, p: reverse("kpis:import"), allowed=PARTNER_MANAGER_AND_HOST, partner_scoped=False
    ),
    # The upload step answers with the preview (confirming is tested in tests/kpis/test_entry.py).
    Endpoint(
        "kpis:import-post",
        lambda w, p: reverse("kpis:import"),
        allowed=PARTNER_MANAGER_AND_HOST,
        partner_scoped=False,
        method="post",
        data=_import_file,
    ),
    # The file to fill in for an import: partner managers and host staff; another partner's is a 404.
    Endpoint(
        "kpis:import_template",
        lambda w, p: (setup_partner(p), reverse("kpis:import_template") + f"?partner={p.pk}")[-1],
        allowed=PARTNER_MANAGER_AND_HOST,
    ),
    Endpoint(
        "kpis:import_template_xlsx",
        lambda w, p: (setup_partner(p), reverse("kpis:import_template") + f"?partner={p.pk}&format=xlsx")[-1],
        allowed=PARTNER_MANAGER_AND_HOST,
    ),
    Endpoint("kpis:scorecard", _partner_url("kpis:scorecard"), marker=lambda w, p: p.name),
    Endpoint("kpis:scorecard_export", _partner_url("kpis:scorecard_export"), marker=lambda w, p: p.name),
    Endpoint(
        "kpis:scorecard_export_xlsx",
        lambda w, p: _partner_url("kpis:scorecard_export")(w, p) + "?format=xlsx",
    ),
    Endpoint("kpis:partner_kpis", _partner_url("kpis:partner_kpis"), allowed=HOST),
    Endpoint("kpis:partner_kpi_create", _partner_url("kpis:partner_kpi_create"), allowed=HOST),
    Endpoint(
        "kpis:partner_kpi_create-post",
        _partner_url("kpis:partner_kpi_create"),
        allowed=HOST,
        method="post",
        data=lambda w, p: {
            "kpi": KPIDefinition.objects.get(code="customer-satisfaction").pk,
            "shared": "on",
            "weight": "1",
        },
        ok=(302,),
    ),
    Endpoint("kpis:measurements", _partner_url("kpis:measurements"), marker=lambda w, p: p.name),
    Endpoint("kpis:measurement_create", _partner_url("kpis:measurement_create"), allowed=PARTNER_MANAGER_AND_HOST),
    # Error rate allows partner input (setup_partner), so partner managers submit it too.
    Endpoint(
        "kpis:measurement_create-post",
        _partner_url("kpis:measurement_create"),
        allowed=PARTNER_MANAGER_AND_HOST,
        method="post",
        data=lambda w, p: {
            "kpi": KPIDefinition.objects.get(code="error-rate").pk,
            "period_kind": "day",
            "period_start": "2025-03-04",
            "numerator": "2",
            "denominator": "400",
        },
        ok=(302,),
    ),
    Endpoint("kpis:measurements_export", _partner_url("kpis:measurements_export")),
    Endpoint(
        "kpis:measurements_export_xlsx", lambda w, p: _partner_url("kpis:measurements_export")(w, p) + "?format=xlsx"
    ),
    Endpoint("kpis:chart", lambda w, p: reverse("kpis:chart", args=[_pk(w, p)]), marker=lambda w, p: p.name),
    Endpoint("kpis:partner_kpi_edit", lambda w, p: reverse("kpis:partner_kpi_edit", args=[_pk(w, p)]), allowed=HOST),
    Endpoint(
        "kpis:partner_kpi_edit-post",
        lambda w, p: reverse("kpis:partner_kpi_edit", args=[_pk(w, p)]),
        allowed=HOST,
        method="post",
        data=lambda w, p: {"shared": "on", "partner_can_submit": "on", "weight": "3"},
        ok=(302,),
    ),
    Endpoint("kpis:target_create", lambda w, p: reverse("kpis:target_create", args=[_pk(w, p)]), allowed=HOST),
    Endpoint(
        "kpis:target_create-post",
        lambda w, p: reverse("kpis:target_create", args=[_pk(w, p)]),
        allowed=HOST,
        method="post",
        data=lambda w, p: {"horizon": "short_term", "value": "0.8", "valid_from": "2026-01-01"},
        ok=(302,),
    ),
    # API
    Endpoint(
        "api:kpi-definition-list", lambda w, p: reverse("api:kpi-definition-list"), api=True, partner_scoped=False
    ),
    Endpoint(
        "api:partner-kpi-list",
        lambda w, p: (setup_partner(w.partner_b), reverse("api:partner-kpi-list"))[-1],
        api=True,
        partner_scoped=False,
    ),
    Endpoint("api:partner-kpi-detail", lambda w, p: reverse("api:partner-kpi-detail", args=[_pk(w, p)]), api=True),
    Endpoint(
        "api:kpi-target-detail",
        lambda w, p: reverse("api:kpi-target-detail", args=[setup_partner(p)[0].targets.first().pk]),
        api=True,
    ),
    Endpoint(
        "api:kpi-target-list",
        lambda w, p: (setup_partner(w.partner_b), reverse("api:kpi-target-list"))[-1],
        api=True,
        partner_scoped=False,
    ),
    Endpoint(
        "api:kpi-definition-detail",
        lambda w, p: reverse("api:kpi-definition-detail", args=[setup_partner(p)[0].kpi_id]),
        api=True,
        partner_scoped=False,
    ),
    Endpoint(
        "api:kpi-measurement-list", lambda w, p: reverse("api:kpi-measurement-list"), api=True, partner_scoped=False
    ),
    Endpoint(
        "api:kpi-measurement-detail",
        lambda w, p: reverse("api:kpi-measurement-detail", args=[_measurement(p).pk]),
        api=True,
    ),
    Endpoint(
        "api:kpi-scorecard", lambda w, p: (setup_partner(p), reverse("api:kpi-scorecard", args=[p.pk]))[-1], api=True
    ),
    Endpoint(
        "api:kpi-measurement-bulk",
        lambda w, p: (setup_partner(p), reverse("api:kpi-measurement-bulk"))[-1],
        api=True,
        method="post",
        data=lambda w, p: {
            "measurements": [
                {"partner": p.pk, "kpi": "error-rate", "period_start": "2025-03-03", "numerator": 2, "denominator": 400}
            ]
        },
        allowed=PARTNER_MANAGER_AND_HOST,
        ok=(200,),
        partner_scoped=False,
    ),
    # The monthly scorecard review (kpis.reviews): partner managers accept and dispute their own months,
    # host staff answer, either side raises a dispute to the agenda; everyone of the partner reads it.
    Endpoint(
        "kpis:reviews",
        lambda w, p: (_review(w, w.partner_a), _review(w, w.partner_b), reverse("kpis:reviews"))[-1],
        allowed=HOST,
        partner_scoped=False,
    ),
    Endpoint(
        "kpis:review_accept-post",
        lambda w, p: reverse("kpis:review_accept", args=[_review(w, p).pk]),
        allowed={"partner_manager"},
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "kpis:dispute_create",
        lambda w, p: reverse("kpis:dispute_create", args=[_review(w, p).pk]),
        allowed={"partner_manager"},
    ),
    Endpoint(
        "kpis:dispute_create-post",
        lambda w, p: reverse("kpis:dispute_create", args=[_review(w, p).pk]),
        allowed={"partner_manager"},
        method="post",
        data=lambda w, p: {"partner_kpi": setup_partner(p)[0].pk, "reason": "Our count differs", "measured_value": "1"},
        ok=(302,),
    ),
    Endpoint(
        "kpis:dispute",
        lambda w, p: reverse("kpis:dispute", args=[_dispute(w, p).pk]),
        marker=lambda w, p: f"Disputed by {p.name}",
    ),
    Endpoint(
        "kpis:dispute-post",
        lambda w, p: reverse("kpis:dispute", args=[_dispute(w, p).pk]),
        allowed=HOST,
        method="post",
        data=lambda w, p: {"outcome": "stands", "answer": "The scanner log confirms the figure."},
        ok=(302,),
    ),
    Endpoint(
        "kpis:dispute_raise-post",
        lambda w, p: reverse("kpis:dispute_raise", args=[_dispute(w, p).pk]),
        allowed=PARTNER_MANAGER_AND_HOST,
        method="post",
        ok=(302,),
    ),
    Endpoint(
        "kpis:dispute_withdraw-post",
        lambda w, p: reverse("kpis:dispute_withdraw", args=[_dispute(w, p).pk]),
        allowed={"partner_manager"},
        method="post",
        ok=(302,),
    ),
    Endpoint("kpis:dispute_file", lambda w, p: reverse("kpis:dispute_file", args=[_dispute(w, p).pk])),
    # The review in the API: the same services and the same answers (404 out of reach, 403 for the role).
    Endpoint(
        "api:scorecard-review-list",
        lambda w, p: (_review(w, w.partner_a), _review(w, w.partner_b), reverse("api:scorecard-review-list"))[-1],
        api=True,
        partner_scoped=False,
        marker=lambda w, p: p.name,
    ),
    Endpoint(
        "api:scorecard-review-detail",
        lambda w, p: reverse("api:scorecard-review-detail", args=[_dispute(w, p).review_id]),
        api=True,
        marker=lambda w, p: f"Disputed by {p.name}",
    ),
    Endpoint(
        "api:scorecard-review-accept",
        lambda w, p: reverse("api:scorecard-review-accept", args=[_review(w, p).pk]),
        api=True,
        method="post",
        allowed={"partner_manager"},
    ),
    Endpoint(
        "api:scorecard-review-dispute",
        lambda w, p: reverse("api:scorecard-review-dispute", args=[_review(w, p).pk]),
        api=True,
        method="post",
        data=lambda w, p: {"partner_kpi": setup_partner(p)[0].pk, "reason": "Our count differs", "measured_value": 1},
        allowed={"partner_manager"},
        ok=(201,),
    ),
    Endpoint(
        "api:scorecard-review-dispute-multipart",
        lambda w, p: reverse("api:scorecard-review-dispute", args=[_review(w, p).pk]),
        api=True,
        method="post",
        data=lambda w, p: {
            "partner_kpi": setup_partner(p)[0].pk,
            "reason": "Our count differs",
            "evidence": SimpleUploadedFile("count.csv", b"day,errors\n2026-01-05,1\n", content_type="text/csv"),
        },
        allowed={"partner_manager"},
        ok=(201,),
        extra={"multipart": True},
    ),
    Endpoint(
        "api:scorecard-dispute-list",
        lambda w, p: (_dispute(w, w.partner_a), _dispute(w, w.partner_b), reverse("api:scorecard-dispute-list"))[-1],
        api=True,
        partner_scoped=False,
        marker=lambda w, p: f"Disputed by {p.name}",
    ),
    Endpoint(
        "api:scorecard-dispute-detail",
        lambda w, p: reverse("api:scorecard-dispute-detail", args=[_dispute(w, p).pk]),
        api=True,
        marker=lambda w, p: f"Disputed by {p.name}",
    ),
    Endpoint(
        "api:scorecard-dispute-evidence",
        lambda w, p: reverse("api:scorecard-dispute-evidence", args=[_dispute(w, p).pk]),
        api=True,
    ),
    Endpoint(
        "api:scorecard-dispute-answer",
        lambda w, p: reverse("api:scorecard-dispute-answer", args=[_dispute(w, p).pk]),
        api=True,
        method="post",
        data=lambda w, p: {"outcome": "stands", "answer": "The scanner log confirms the figure."},
        allowed=HOST,
    ),
    Endpoint(
        "api:scorecard-dispute-raise",
        lambda w, p: reverse("api:scorecard-dispute-raise", args=[_dispute(w, p).pk]),
        api=True,
        method="post",
        allowed=PARTNER_MANAGER_AND_HOST,
    ),
    Endpoint(
        "api:scorecard-dispute-withdraw",
        lambda w, p: reverse("api:scorecard-dispute-withdraw", args=[_dispute(w, p).pk]),
        api=True,
        method="post",
        allowed={"partner_manager"},
    ),
]
