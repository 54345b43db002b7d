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
    """Create the standard KPIs when none is left (as migrations 0002 and 0009 did): a database flush empties
    the table but runs no data migration again."""
    if KPIDefinition.objects.using(using).filter(is_standard=True).exists():
        return
    for spec in STANDARD_KPIS + HOST_KPIS:
        fields = {k: v for k, v in spec.items() if k != "code"}
        KPIDefinition.objects.using(using).update_or_create(code=spec["code"], defaults={**fields, "is_standard": True})


# The standard KPIs about the host's own performance towards a partner (migration 0009): the partner
# submits three of them; the portal computes the host's response time from the notices and cases it
# records (relations.host_kpis). Ratios keep their counts and averages their sample size, so every
# period is aggregated exactly, as for the four above.
HOST_RESPONSE_TIME = "host-response-time"

HOST_KPIS = [
    {
        "code": "forecast-accuracy",
        "name": _("Forecast accuracy"),
        "unit": "%",
        "direction": "higher",
        "aggregation": "ratio",
        "scale": 100,
        "decimals": 1,
        "numerator_label": _("Forecast lines within tolerance"),
        "denominator_label": _("Forecast lines"),
        "min_value": 0,
        "max_value": 100,
        "subject": "host",
        "measured_from": "partner",
        "how_measured": _(
            "Submitted by the partner: the forecast lines (volume per day and product group) whose actual volume "
            "was within the agreed tolerance of our forecast, divided by all forecast lines, in percent. A period is "
            "aggregated from its counts: Σ lines within tolerance / Σ forecast lines × 100."
        ),
        "why_it_matters": _(
            "The partner plans staff, trucks and space from our forecasts. A forecast that holds saves them "
            "overtime and idle hours, and that saving comes back to us."
        ),
    },
    {
        "code": "notice-lead-time",
        "name": _("Notice lead time"),
        "unit": _("hours"),
        "direction": "higher",
        "aggregation": "weighted_average",
        "scale": 1,
        "decimals": 1,
        "sample_size_label": _("Announced changes"),
        "min_value": None,
        "max_value": None,
        "subject": "host",
        "measured_from": "partner",
        "how_measured": _(
            "Submitted by the partner: the average number of hours between our announcement of a change (volumes, "
            "opening hours, procedures) and the moment it took effect, per period, with the number of changes. "
            "Longer periods are the average weighted by the number of changes (a change announced after the fact "
            "counts with negative hours)."
        ),
        "why_it_matters": _(
            "Early notice lets the partner adapt without firefighting. Telling them before the problem arrives is "
            "what we ask of them, so we measure it of ourselves."
        ),
    },
    {
        "code": "on-time-payment",
        "name": _("On-time payment"),
        "unit": "%",
        "direction": "higher",
        "aggregation": "ratio",
        "scale": 100,
        "decimals": 1,
        "numerator_label": _("Invoices paid by their due date"),
        "denominator_label": _("Invoices due"),
        "min_value": 0,
        "max_value": 100,
        "subject": "host",
        "measured_from": "partner",
        "how_measured": _(
            "Submitted by the partner: the invoices that fell due in the period and were paid by their due date, "
            "divided by all invoices that fell due, in percent. A period is aggregated from its counts: Σ paid on "
            "time / Σ invoices due × 100."
        ),
        "why_it_matters": _(
            "Paying on time is the simplest way to show that we keep our side of the agreement, and it keeps the "
            "partner's cash flow healthy."
        ),
    },
    {
        "code": HOST_RESPONSE_TIME,
        "name": _("Our response time to notices and cases"),
        "unit": _("hours"),
        "direction": "lower",
        "aggregation": "weighted_average",
        "scale": 1,
        "decimals": 1,
        "sample_size_label": _("Notices and cases answered"),
        "min_value": 0,
        "max_value": None,
        "subject": "host",
        "measured_from": "portal",
        "how_measured": _(
            "Computed by the portal: the hours from the partner posting a notice or raising a case until the host "
            "acknowledged it, as recorded in the portal. Each month holds the average of the notices and cases "
            "acknowledged that month with their number; longer periods are weighted by that number, so the result "
            "is the plain average of every answer. A month without answers has no data."
        ),
        "why_it_matters": _(
            "A partner who tells us early only keeps doing so if we listen. A quick answer shows the notice or case "
            "was heard."
        ),
    },
]
