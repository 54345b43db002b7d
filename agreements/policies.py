from django.db.models import Q

from partnerportal import policy

from .models import (
    Agreement,
    AgreementTemplate,
    AgreementTemplateRevision,
    AgreementVersion,
    ChannelRule,
    EscalationStep,
    Responsibility,
    Signature,
    VersionStatus,
)

HOST_EDIT = {policy.VIEW, policy.ADD, policy.CHANGE, policy.DELETE}


def register():
    """Describe the app's models to the access policy (called once, by the app's ready())."""
    policy.register(Agreement, partner_path="partner", manager={policy.VIEW, policy.ADD, policy.CHANGE})
    # Partner users see what was sent to them, never the host's drafts.
    policy.register(
        AgreementVersion,
        partner_path="agreement__partner",
        partner_filter=~Q(status=VersionStatus.DRAFT),
        manager={policy.VIEW, policy.ADD, policy.CHANGE},
    )
    for row_model in (Responsibility, ChannelRule, EscalationStep):
        policy.register(
            row_model,
            partner_path="version__agreement__partner",
            partner_filter=~Q(version__status=VersionStatus.DRAFT),
            manager=HOST_EDIT,
        )
    policy.register(
        Signature,
        partner_path="version__agreement__partner",
        partner_filter=~Q(version__status=VersionStatus.DRAFT),
        manager={policy.VIEW, policy.ADD},
        admin={policy.VIEW, policy.ADD},
        partner_manager={policy.VIEW, policy.ADD},
    )
    # Named steps of a version's life (the services check the version's state; these say who).
    policy.define(AgreementVersion, "send", roles=policy.HOST_ROLES)
    policy.define(AgreementVersion, "withdraw", roles=policy.HOST_ROLES)
    policy.define(AgreementVersion, "sign", roles=policy.HOST_ROLES | {policy.PARTNER_MANAGER})
    policy.define(AgreementVersion, "terminate", roles={policy.ADMIN})

    # Agreement templates: host-only (partner users never see them); admins keep them, managers read
    # them and build agreements from them, and carry a template's changes into a new draft.
    for template_model in (AgreementTemplate, AgreementTemplateRevision):
        policy.register(template_model, partner_path=None, manager={policy.VIEW})
    policy.define(Agreement, "carry_template", roles=policy.HOST_ROLES)
