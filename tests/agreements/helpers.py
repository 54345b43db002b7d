"""Builders for agreements in every state, through the real services."""

from datetime import timedelta

from django.utils import timezone

from agreements import services
from agreements.models import Agreement, ChannelRule, EscalationStep, Party, Responsibility
from partners.models import Contact, User


def partner_manager(world, partner):
    if partner in (world.partner_a, world.partner_b):
        return world.a_manager if partner == world.partner_a else world.b_manager
    return User.objects.filter(organization=partner, role="partner_manager").first()


def partner_viewer(world, partner):
    return world.a_viewer if partner == world.partner_a else world.b_viewer


def agreement(world, partner) -> Agreement:
    existing = Agreement.objects.filter(partner=partner).first()
    return existing or services.agreement_create(partner=partner, user=world.admin, title=f"Agreement {partner.name}")


def fill(world, version, *, response_hours=4):
    partner = version.agreement.partner
    contact, _ = Contact.objects.get_or_create(
        organization=partner, name=f"Ops desk {partner.name}", defaults={"email": "ops@example.com"}
    )
    services.version_update(
        version=version, user=world.admin, review_date=timezone.localdate() + timedelta(days=365), summary="Scope."
    )
    services.row_save(
        version=version,
        row=Responsibility(party=Party.HOST, activity="Inbound", user=world.manager, responsible_for="Receiving"),
        user=world.admin,
    )
    services.row_save(
        version=version,
        row=Responsibility(party=Party.PARTNER, activity="Inbound", contact=contact, responsible_for="Booking slots"),
        user=world.admin,
    )
    services.row_save(
        version=version,
        row=ChannelRule(
            topic="delivery_delays",
            channel="portal_notice",
            response_hours=response_hours,
            party=Party.PARTNER,
            user=partner_manager(world, partner),
        ),
        user=world.admin,
    )
    services.row_save(
        version=version,
        row=EscalationStep(level=1, after_hours=0, party=Party.HOST, user=world.manager),
        user=world.admin,
    )
    version.refresh_from_db()
    return version


def draft(world, partner):
    a = agreement(world, partner)
    version = a.versions.filter(status="draft").first()
    if version is None:
        version = services.draft_create(agreement=a, user=world.admin)
        if version.responsibility_set.exists():
            # A copy of the version in force cannot be sent unchanged: give it its own summary.
            services.version_update(version=version, user=world.admin, summary=f"Scope, version {version.number}.")
    if not version.responsibility_set.exists():
        fill(world, version)
    return version


def in_review(world, partner):
    version = draft(world, partner)
    return services.version_send(version=version, user=world.admin)


def active(world, partner):
    version = in_review(world, partner)
    services.version_sign(version=version, user=world.admin)
    services.version_sign(version=version, user=partner_manager(world, partner))
    version.refresh_from_db()
    return version


def revision(world, partner, *, send=True):
    """An active version 1 and a version 2 with a changed response time (sent unless send=False)."""
    active(world, partner)
    version = services.draft_create(agreement=agreement(world, partner), user=world.admin)
    rule = version.channelrule_set.get()
    rule.response_hours = 2
    services.row_save(version=version, row=rule, user=world.admin)
    if send:
        version = services.version_send(version=version, user=world.admin)
    return version
