"""The four standard KPIs of the article, created by migration 0002 and put back by `restore()` after a
database flush (texts are the shared truth).

The texts are marked for translation, so pages show them in Danish too (see templatetags kpis_tags).
"""

from django.utils.translation import gettext_noop as _

from .models import KPIDefinition

STANDARD_KPIS = [
    {
        "code": "delivery-time",
        "name": _("Delivery time"),
        "unit": _("hours"),
        "direction": "lower",
        "aggregation": "weighted_average",
        "scale": 1,
        "decimals": 1,
        "sample_size_label": _("Shipments"),
        "min_value": 0,
        "max_value": None,
        "how_measured": _(
            "Average number of hours from the order is released to the warehouse until it is delivered to the "
            "consignee, per period. Each value is the average of its period's shipments; longer periods are the "
            "average weighted by the number of shipments (Σ hours × shipments / Σ shipments)."
        ),
        "why_it_matters": _(
            "Customers plan around our promised delivery time. Short and predictable lead times keep their shelves "
            "full and our promise credible."
        ),
    },
    {
        "code": "error-rate",
        "name": _("Error rate"),
        "unit": "%",
        "direction": "lower",
        "aggregation": "ratio",
        "scale": 100,
        "decimals": 2,
        "numerator_label": _("Order lines with an error"),
        "denominator_label": _("Order lines"),
        "min_value": 0,
        "max_value": 100,
        "how_measured": _(
            "Order lines with an error (wrong item, quantity, damage or missing documents) divided by all order "
            "lines handled, in percent. A period is aggregated from its counts: Σ lines with error / Σ order lines "
            "× 100, never as the average of daily rates."
        ),
        "why_it_matters": _(
            "Every error costs a return, a re-delivery and the customer's trust. Fewer errors is the clearest sign "
            "that the collaboration works."
        ),
    },
    {
        "code": "inventory-turnover",
        "name": _("Inventory turnover"),
        "unit": _("per year"),
        "direction": "higher",
        "aggregation": "ratio",
        "scale": 365,
        "decimals": 1,
        "numerator_label": _("Cost of goods sold (DKK)"),
        "denominator_label": _("Inventory value × days (DKK·days)"),
        "min_value": 0,
        "max_value": None,
        "how_measured": _(
            "Cost of goods sold divided by the average inventory value of the period, shown per year. Each "
            "measurement carries the cost of goods sold of its period (numerator) and the inventory value times "
            "the number of days it covers (denominator: the day's inventory value for a daily value, the average "
            "inventory × days for a month). A period's turnover is Σ cost of goods sold × 365 / Σ inventory-days, "
            "which equals cost of goods sold / average inventory, annualised."
        ),
        "why_it_matters": _(
            "Goods that stand still tie up capital and space. A higher turnover means leaner stock and fresher goods "
            "for both of us."
        ),
    },
    {
        "code": "customer-satisfaction",
        "name": _("Customer satisfaction"),
        "unit": _("score (1–5)"),
        "direction": "higher",
        "aggregation": "weighted_average",
        "scale": 1,
        "decimals": 2,
        "sample_size_label": _("Responses"),
        "min_value": 1,
        "max_value": 5,
        "how_measured": _(
            "Average answer on a 1–5 scale to the question 'How satisfied are you with the delivery?' in the "
            "customer survey. Longer periods are the average weighted by the number of responses."
        ),
        "why_it_matters": _(
            "It is the customers' own verdict on what we deliver together, and it picks up problems the other "
            "numbers miss."
        ),
    },
]


def restore(*, using: str = "default") -> None:
    """Create the standard KPIs when none is left (as migration 0002 did): a database flush empties the
    table but runs no data migration again."""
    if KPIDefinition.objects.using(using).filter(is_standard=True).exists():
        return
    for spec in STANDARD_KPIS:
        fields = {k: v for k, v in spec.items() if k != "code"}
        KPIDefinition.objects.using(using).update_or_create(code=spec["code"], defaults={**fields, "is_standard": True})
