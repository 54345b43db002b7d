"""The standard collaboration agreement of the source article, as the content of a template:
who does what on each side, which topic goes by which channel and how fast, the escalation ladder,
the four standard KPIs with default targets, and a yearly review. Migration 0005 creates it as the
default template; the demo data makes sure it is there. In Danish, like the article."""

NAME = "Standard samarbejdsaftale"
DESCRIPTION = (
    "Kildeartiklens faste rammer: roller og ansvar på begge sider, kanalmatrix, eskalationstrappe, "
    "de fire standard-KPI'er med standardmål og en årlig gennemgang."
)
REVIEW_INTERVAL_MONTHS = 12

RESPONSIBILITIES = [
    {"party": "host", "activity": "Vareindlevering", "responsible_for": "Modtagelse, kontrol og booking af porte"},
    {"party": "partner", "activity": "Vareindlevering", "responsible_for": "Tidsbestilling og ankomstvarsel"},
    {
        "party": "host",
        "activity": "Kvalitet og afvigelser",
        "responsible_for": "Registrering af afvigelser og opfølgning",
    },
    {
        "party": "partner",
        "activity": "Kvalitet og afvigelser",
        "responsible_for": "Årsagsanalyse og korrigerende handlinger",
    },
    {"party": "host", "activity": "KPI-opfølgning", "responsible_for": "Måling, scorekort og deling af resultater"},
    {
        "party": "partner",
        "activity": "Fremtidsplaner",
        "responsible_for": "Deling af prognoser, udvidelser og automatisering i god tid",
    },
    {"party": "host", "activity": "Statusmøder", "responsible_for": "Indkaldelse, dagsorden og referat"},
]
CHANNELS = [
    {"topic": "daily_operations", "channel": "chat", "response_hours": 1, "party": "host", "note": ""},
    {
        "topic": "delivery_delays",
        "channel": "portal_notice",
        "response_hours": 2,
        "party": "partner",
        "note": "Straks ved kendt forsinkelse",
    },
    {"topic": "quality_deviations", "channel": "portal_notice", "response_hours": 24, "party": "host", "note": ""},
    {"topic": "invoices", "channel": "email", "response_hours": 72, "party": "partner", "note": ""},
    {"topic": "escalations", "channel": "phone", "response_hours": 4, "party": "host", "note": ""},
    {"topic": "system_outages", "channel": "phone", "response_hours": 1, "party": "partner", "note": ""},
    {
        "topic": "forecasts",
        "channel": "meeting",
        "response_hours": 168,
        "party": "host",
        "note": "Fast punkt på statusmødet",
    },
]
ESCALATION = [
    {"level": 1, "after_hours": 0, "party": "partner", "note": "Driftsvagten tager sagen"},
    {"level": 2, "after_hours": 4, "party": "partner", "note": "Partnerens ansvarlige leder"},
    {"level": 3, "after_hours": 24, "party": "host", "note": "Lagerchefen"},
    {"level": 4, "after_hours": 48, "party": "host", "note": "Ledelsesmøde inden for en uge"},
]
KPIS = [
    {"kpi": "delivery-time", "horizon": "short_term", "value": 24.0, "warning": 30.0, "critical": 36.0},
    {"kpi": "error-rate", "horizon": "short_term", "value": 0.5, "warning": 1.0, "critical": 2.0},
    {"kpi": "inventory-turnover", "horizon": "long_term", "value": 12.0, "warning": 10.0, "critical": 8.0},
    {"kpi": "customer-satisfaction", "horizon": "short_term", "value": 4.5, "warning": 4.0, "critical": 3.5},
]


def parts() -> dict:
    return {"responsibilities": RESPONSIBILITIES, "channels": CHANNELS, "escalation": ESCALATION, "kpis": KPIS}


def restore(*, using: str = "default") -> None:
    """Create the standard template as the default when there is no template at all (as migration 0005
    did): a database flush, e.g. between transactional tests, empties the table but runs no data
    migration again."""
    from django.db import connections

    from .models import AgreementTemplate, AgreementTemplateRevision

    if AgreementTemplate._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated back to before the templates
    if AgreementTemplate.objects.using(using).exists():
        return
    template = AgreementTemplate.objects.using(using).create(name=NAME, description=DESCRIPTION, is_default=True)
    AgreementTemplateRevision.objects.using(using).create(
        template=template, number=1, review_interval_months=REVIEW_INTERVAL_MONTHS, **parts()
    )
