"""Demo agreements: an active, signed agreement for each demo partner and one pending revision.

Everything goes through the services (draft → rows → send → both signatures), so the demo data
obeys the same rules as real data. The versions were signed months ago, one partner after the
other, and the revision was sent last week (the services date each step by the clock, which
`as_of` sets back: a signed version's dates are sealed and cannot be moved afterwards).
Idempotent: a partner that has an agreement is left alone, and the pending revision is only
started when no version is open.
"""

from datetime import timedelta

from django.utils import timezone

from kpis.selectors import shared_targets_of
from partnerportal.management.commands.seed_demo import as_of
from partners.services import contact_ensure

from . import services
from .models import Agreement, ChannelRule, EscalationStep, Party, Responsibility, VersionStatus

REVISION_PARTNER = "DanLog 3PL A/S"
# Days ago each partner's first version was drafted (in the order of the demo partners); it is sent
# a day later, signed by the host two days and by the partner five days after that.
DRAFTED_DAYS_AGO = [350, 290, 235, 170]
REVISION_SENT_DAYS_AGO = 8

SUMMARY = (
    "Samarbejdsaftale om lager- og transportydelser. Parterne deler mål, informerer hinanden tidligt om "
    "afvigelser og løser uenigheder ud fra fakta. Aftalen gennemgås mindst én gang om året."
)


def _contacts(partner):
    desk = contact_ensure(
        organization=partner,
        name=f"Driftsvagt {partner.name.split()[0]}",
        defaults={"title": "Døgnbemandet driftsvagt", "phone": "+45 70 20 30 40", "email": "drift@example.com"},
    )
    finance = contact_ensure(
        organization=partner,
        name=f"Bogholderi {partner.name.split()[0]}",
        defaults={"title": "Kreditorbogholder", "email": "faktura@example.com"},
    )
    return desk, finance


def _fill(version, *, admin, lager, drift, partner_manager, desk, finance):
    rows = [
        Responsibility(
            party=Party.HOST,
            activity="Vareindlevering",
            user=lager,
            responsible_for="Modtagelse, kontrol og booking af porte",
        ),
        Responsibility(
            party=Party.PARTNER,
            activity="Vareindlevering",
            contact=desk,
            responsible_for="Tidsbestilling og ankomstvarsel",
        ),
        Responsibility(
            party=Party.HOST,
            activity="Kvalitet og afvigelser",
            user=drift,
            responsible_for="Registrering af afvigelser og opfølgning",
        ),
        Responsibility(
            party=Party.PARTNER,
            activity="Kvalitet og afvigelser",
            user=partner_manager,
            responsible_for="Årsagsanalyse og korrigerende handlinger",
        ),
        Responsibility(
            party=Party.HOST, activity="Fakturering", user=admin, responsible_for="Godkendelse af fakturaer"
        ),
        Responsibility(
            party=Party.PARTNER, activity="Fakturering", contact=finance, responsible_for="Fakturering månedsvis bagud"
        ),
        ChannelRule(topic="daily_operations", channel="chat", response_hours=1, party=Party.HOST, user=lager),
        ChannelRule(
            topic="delivery_delays",
            channel="portal_notice",
            response_hours=2,
            party=Party.PARTNER,
            contact=desk,
            note="Straks ved kendt forsinkelse",
        ),
        ChannelRule(
            topic="quality_deviations", channel="portal_notice", response_hours=24, party=Party.HOST, user=drift
        ),
        ChannelRule(topic="invoices", channel="email", response_hours=72, party=Party.PARTNER, contact=finance),
        ChannelRule(topic="escalations", channel="phone", response_hours=4, party=Party.HOST, user=drift),
        ChannelRule(topic="system_outages", channel="phone", response_hours=1, party=Party.PARTNER, contact=desk),
        EscalationStep(level=1, after_hours=0, party=Party.PARTNER, contact=desk, note="Driftsvagten tager sagen"),
        EscalationStep(level=2, after_hours=4, party=Party.PARTNER, user=partner_manager),
        EscalationStep(level=3, after_hours=24, party=Party.HOST, user=drift),
        EscalationStep(level=4, after_hours=48, party=Party.HOST, user=admin, note="Ledelsesmøde inden for en uge"),
    ]
    for row in rows:
        services.row_save(version=version, row=row, user=admin)


def seed(demo):
    users = demo.objects["users"]
    admin, lager, drift = users["admin"], users["lager"], users["drift"]
    today = timezone.localdate()
    now = timezone.now()
    managers = {u.organization_id: u for u in users.values() if u.role == "partner_manager"}
    agreements = []
    for index, partner in enumerate(demo.objects["partners"]):
        partner_manager = managers.get(partner.pk)
        if partner_manager is None:
            continue
        agreement = Agreement.objects.filter(partner=partner).first()
        if agreement is None:
            drafted = now - timedelta(days=DRAFTED_DAYS_AGO[index % len(DRAFTED_DAYS_AGO)])
            desk, finance = _contacts(partner)
            # One partner's review is close, so the review reminder has something to do.
            review = today + timedelta(days=20 if index == 1 else 300 + 30 * index)
            targets = shared_targets_of(partner=partner).filter(valid_to__isnull=True)
            with as_of(drafted):
                agreement = services.agreement_create(
                    partner=partner, user=admin, title=f"Samarbejdsaftale {partner.name}"
                )
                version = agreement.versions.get()
                services.version_update(
                    version=version, user=admin, review_date=review, summary=SUMMARY, kpi_targets=list(targets)
                )
                _fill(
                    version,
                    admin=admin,
                    lager=lager,
                    drift=drift,
                    partner_manager=partner_manager,
                    desk=desk,
                    finance=finance,
                )
            with as_of(drafted + timedelta(days=1, hours=2)):
                services.version_send(version=version, user=admin)
            with as_of(drafted + timedelta(days=3, hours=5)):
                services.version_sign(version=version, user=lager)
            with as_of(drafted + timedelta(days=6, hours=1)):
                services.version_sign(version=version, user=partner_manager)
        agreements.append(agreement)
        if partner.name == REVISION_PARTNER and not agreement.versions.exclude(status=VersionStatus.ACTIVE).exists():
            sent = now - timedelta(days=REVISION_SENT_DAYS_AGO)
            with as_of(sent - timedelta(days=2)):
                draft = services.draft_create(agreement=agreement, user=admin)
                services.version_update(
                    version=draft, user=admin, summary=SUMMARY + " Version 2 strammer svartiden på forsinkelser."
                )
                rule = draft.channelrule_set.get(topic="delivery_delays")
                rule.response_hours = 1
                rule.channel = "phone"
                services.row_save(version=draft, row=rule, user=admin)
                services.row_save(
                    version=draft,
                    row=ChannelRule(
                        topic="forecasts", channel="meeting", response_hours=168, party=Party.HOST, user=lager
                    ),
                    user=admin,
                )
            with as_of(sent):
                services.version_send(version=draft, user=admin)
            with as_of(sent + timedelta(days=1, hours=3)):
                services.version_sign(version=draft, user=lager)
    demo.objects["agreements"] = agreements


def seed_templates(demo):
    """The standard agreement template (migration 0005 makes it; a database emptied since gets it
    back here), as the default template for new agreements."""
    from . import standard_template
    from .models import AgreementTemplate

    if AgreementTemplate.objects.filter(name=standard_template.NAME).exists():
        return
    services.template_save(
        user=demo.objects["users"]["admin"],
        name=standard_template.NAME,
        description=standard_template.DESCRIPTION,
        is_default=not AgreementTemplate.objects.filter(is_default=True).exists(),
        review_interval_months=standard_template.REVIEW_INTERVAL_MONTHS,
        parts=standard_template.parts(),
    )
