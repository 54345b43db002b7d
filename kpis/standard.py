"""The four standard KPIs of the article, created by migration 0002 (texts are the shared truth)."""

STANDARD_KPIS = [
    {
        "code": "delivery-time",
        "name": "Delivery time",
        "unit": "hours",
        "direction": "lower",
        "aggregation": "weighted_average",
        "scale": 1,
        "decimals": 1,
        "sample_size_label": "Shipments",
        "min_value": 0,
        "max_value": None,
        "how_measured": (
            "Average number of hours from the order is released to the warehouse until it is delivered to the "
            "consignee, per period. Each value is the average of its period's shipments; longer periods are the "
            "average weighted by the number of shipments (Σ hours × shipments / Σ shipments)."
        ),
        "why_it_matters": (
            "Customers plan around our promised delivery time. Short and predictable lead times keep their shelves "
            "full and our promise credible."
        ),
    },
    {
        "code": "error-rate",
        "name": "Error rate",
        "unit": "%",
        "direction": "lower",
        "aggregation": "ratio",
        "scale": 100,
        "decimals": 2,
        "numerator_label": "Order lines with an error",
        "denominator_label": "Order lines",
        "min_value": 0,
        "max_value": 100,
        "how_measured": (
            "Order lines with an error (wrong item, quantity, damage or missing documents) divided by all order "
            "lines handled, in percent. A period is aggregated from its counts: Σ lines with error / Σ order lines "
            "× 100, never as the average of daily rates."
        ),
        "why_it_matters": (
            "Every error costs a return, a re-delivery and the customer's trust. Fewer errors is the clearest sign "
            "that the collaboration works."
        ),
    },
    {
        "code": "inventory-turnover",
        "name": "Inventory turnover",
        "unit": "per year",
        "direction": "higher",
        "aggregation": "ratio",
        "scale": 365,
        "decimals": 1,
        "numerator_label": "Cost of goods sold (DKK)",
        "denominator_label": "Inventory value × days (DKK·days)",
        "min_value": 0,
        "max_value": None,
        "how_measured": (
            "Cost of goods sold divided by the average inventory value of the period, shown per year. Each "
            "measurement carries the cost of goods sold of its period (numerator) and the inventory value times "
            "the number of days it covers (denominator: the day's inventory value for a daily value, the average "
            "inventory × days for a month). A period's turnover is Σ cost of goods sold × 365 / Σ inventory-days, "
            "which equals cost of goods sold / average inventory, annualised."
        ),
        "why_it_matters": (
            "Goods that stand still tie up capital and space. A higher turnover means leaner stock and fresher goods "
            "for both of us."
        ),
    },
    {
        "code": "customer-satisfaction",
        "name": "Customer satisfaction",
        "unit": "score (1–5)",
        "direction": "higher",
        "aggregation": "weighted_average",
        "scale": 1,
        "decimals": 2,
        "sample_size_label": "Responses",
        "min_value": 1,
        "max_value": 5,
        "how_measured": (
            "Average answer on a 1–5 scale to the question 'How satisfied are you with the delivery?' in the "
            "customer survey. Longer periods are the average weighted by the number of responses."
        ),
        "why_it_matters": (
            "It is the customers' own verdict on what we deliver together, and it picks up problems the other "
            "numbers miss."
        ),
    },
]
