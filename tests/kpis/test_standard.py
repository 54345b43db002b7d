"""The data migration's four standard KPIs: what the article asks for, as the shared truth."""

import pytest
from django.utils import translation

from kpis.models import KPIDefinition

pytestmark = pytest.mark.django_db

EXPECTED = {
    # code: (aggregation, direction, scale, min, max)
    "delivery-time": ("weighted_average", "lower", 1, 0, None),
    "error-rate": ("ratio", "lower", 100, 0, 100),
    "inventory-turnover": ("ratio", "higher", 365, 0, None),
    "customer-satisfaction": ("weighted_average", "higher", 1, 1, 5),
}


def test_the_migration_creates_the_four_standard_kpis():
    standard = {k.code: k for k in KPIDefinition.objects.filter(is_standard=True, subject="partner")}
    assert set(standard) == set(EXPECTED)
    for code, (aggregation, direction, scale, low, high) in EXPECTED.items():
        kpi = standard[code]
        assert (kpi.aggregation, kpi.direction, kpi.scale, kpi.min_value, kpi.max_value) == (
            aggregation,
            direction,
            scale,
            low,
            high,
        ), code
        assert kpi.is_active and kpi.name and kpi.unit
        assert len(kpi.how_measured) > 80 and len(kpi.why_it_matters) > 40, code
    assert standard["delivery-time"].sample_size_label == "Shipments"
    assert standard["customer-satisfaction"].sample_size_label == "Responses"
    assert standard["error-rate"].numerator_label == "Order lines with an error"
    assert standard["error-rate"].denominator_label == "Order lines"


def test_the_standard_texts_are_shown_in_danish_too():
    for kpi in KPIDefinition.objects.filter(is_standard=True):
        with translation.override("da"):
            how, why = kpi.display_how_measured, kpi.display_why_it_matters
        assert how and why
        assert how != kpi.how_measured and why != kpi.why_it_matters, kpi.code
