"""How the partners app plugs into the shell: its part of the demo data and the hub's People section
(`register()`, called from PartnersConfig.ready); the partner directory and hub are linked from the base
template itself."""

from django.utils.translation import gettext_lazy as _

from partnerportal import account_events, hub, policy, schedule

from . import demo, selectors, services
from .models import Invitation, Role


def people_section(request, organization):
    """The context of the People section (hub and people page): everybody of the organisation with role,
    last sign-in, two-factor and active state, the pending invitations, and what the user may do."""
    user = request.user
    people = list(selectors.organization_people(user=user, organization=organization))
    can_roles = selectors.people_ids_for(user=user, organization=organization, action="change_role")
    can_deactivate = selectors.people_ids_for(user=user, organization=organization, action="deactivate")
    can_reactivate = selectors.people_ids_for(user=user, organization=organization, action="reactivate")
    roles = policy.assignable_roles(user, organization)
    sole_manager = selectors.sole_partner_manager_id(organization=organization)  # kept: no controls offered
    return {
        "title": _("People"),
        "organization": organization,
        "people": [
            {
                "person": person,
                "can_change_role": person.pk in can_roles and person.pk != sole_manager,
                "can_deactivate": person.pk in can_deactivate and person.pk != sole_manager,
                "sole_manager": person.pk == sole_manager,
                "can_reactivate": person.pk in can_reactivate,
            }
            for person in people
        ],
        "role_choices": [(value, label) for value, label in Role.choices if value in roles],
        "invitations": list(selectors.pending_invitations(user=user, organization=organization)),
        "can_invite": policy.can(user, "invite", organization),
        "can_manage_invitations": policy.allows(user, "revoke", Invitation),
    }


def register():
    hub.demo_part("partners", demo.seed, order=10)
    hub.partner_section(
        "people", "partners/_people_section.html", people_section, order=90, lazy=True, title=_("People")
    )
    hub.nav_item(
        _("Host company's people"),
        "partners:host_people",
        visible=policy.is_admin,
        order=905,
        icon="person-badge",
        group="administration",
    )
    account_events.register_recorder(services.account_event_record)  # the shell's account events
    schedule.periodic_task("People: clear expired sessions", "partners.tasks.clear_expired_sessions", 24 * 3600)
