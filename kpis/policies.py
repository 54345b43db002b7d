"""How the KPI models relate to a partner, and who may do what (see partnerportal.policy).

Partner users see their own organisation's *shared* KPIs only: assignments, targets,
measurements and successes of internal KPIs stay with the host. Partner managers may add and
correct measurements, for the KPIs whose "submit" lets them (the KPI allows partner input); the
form, the import template, the API and the service's checks (services.check_measurement) all ask
"submit" here.
"""

from django.db.models import F, Q

from partnerportal import policy

from .models import (
    KPIDefinition,
    KPITarget,
    MeasuredFrom,
    Measurement,
    MonthlyRollup,
    PartnerKPI,
    ScorecardDispute,
    ScorecardReview,
    Success,
)

READ = {policy.VIEW}


def register():
    """Describe the app's models to the access policy (called once, by the app's ready())."""
    # Definitions: partner users reach them only through their shared assignments
    # (selectors.definitions_for), never through a list of all definitions; only admins change them.
    policy.register(KPIDefinition, partner_path=None, manager=READ)
    policy.register(PartnerKPI, partner_path="partner", partner_filter=Q(shared=True))
    policy.register(KPITarget, partner_path="partner", partner_filter=Q(partner_kpi__shared=True))
    # One Q, so the assignment joined is the one of the measurement's own partner.
    policy.register(
        Measurement,
        partner_path="partner",
        partner_filter=Q(kpi__assignments__partner=F("partner"), kpi__assignments__shared=True),
        partner_manager={policy.VIEW, policy.ADD, policy.CHANGE},
    )
    # The operator's bulk loader (kpis_load_csv) does not apply a partner user's narrower rules (own
    # organisation, shared KPIs, partner input): only host staff load whole files.
    policy.define(Measurement, "load", roles=policy.HOST_ROLES)
    policy.register(MonthlyRollup, partner_path=None, manager=READ)
    policy.register(Success, partner_path="partner", partner_filter=Q(partner_kpi__shared=True))
    # Partner managers submit values only where the KPI allows partner input (e.g. KPIs about the host).
    policy.define(
        PartnerKPI,
        "submit",
        roles=policy.HOST_ROLES | {policy.PARTNER_MANAGER},
        where=lambda user: (
            ~Q(kpi__measured_from=MeasuredFrom.PORTAL)
            & (
                Q()
                if policy.is_host(user)
                # A KPI the partner submits (e.g. about the host) implies partner input wherever it is shared.
                else Q(partner_can_submit=True) | Q(shared=True, kpi__measured_from=MeasuredFrom.PARTNER)
            )
        ),
    )
    # The portfolio across all partners, and KPI sections with no data yet, are for host staff.
    policy.define(PartnerKPI, "see_portfolio", roles=policy.HOST_ROLES)
    # The monthly scorecard review (kpis.reviews): both sides read; partner managers accept or dispute
    # their own organisation's months, host staff answer disputes, either side raises one to the agenda.
    policy.register(ScorecardReview, partner_path="partner", manager=READ, admin=READ)
    policy.register(ScorecardDispute, partner_path="review__partner", manager=READ, admin=READ)
    policy.define(ScorecardReview, "accept", roles={policy.PARTNER_MANAGER})
    policy.define(ScorecardReview, "dispute", roles={policy.PARTNER_MANAGER})
    policy.define(ScorecardDispute, "answer", roles=policy.HOST_ROLES)
    policy.define(ScorecardDispute, "withdraw", roles={policy.PARTNER_MANAGER})
    policy.define(ScorecardDispute, "raise", roles=policy.HOST_ROLES | {policy.PARTNER_MANAGER})
