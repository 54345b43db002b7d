"""Builders for agreement templates and agreements built on them, through the real services."""

import copy

from agreements import services, standard_template
from agreements.models import AgreementTemplate
from tests.agreements import helpers


def standard_parts():
    return copy.deepcopy(standard_template.parts())


def template(world, name="Test template", **changes):
    """A template with the standard content (a default one already exists from migration 0005 in
    non-transactional tests; this one is separate, not the default)."""
    existing = AgreementTemplate.objects.filter(name=name).first()
    if existing is not None:
        return existing
    return services.template_save(
        user=world.admin,
        name=name,
        description="For tests.",
        review_interval_months=12,
        parts=standard_parts(),
        **changes,
    )


def change(world, tmpl, *, note="Faster delivery delays"):
    """A second revision: a channel answered faster, a new escalation level, a responsibility gone, a
    KPI target raised, and a shorter review interval."""
    parts = standard_parts()
    parts["channels"][1]["response_hours"] = 1
    parts["escalation"].append({"level": 5, "after_hours": 96, "party": "host", "note": "Direktionen"})
    parts["responsibilities"] = [r for r in parts["responsibilities"] if r["activity"] != "Statusmøder"]
    parts["kpis"][3]["value"] = 4.7
    return services.template_save(
        user=world.admin, template=tmpl, name=tmpl.name, review_interval_months=6, parts=parts, note=note
    )


def built(world, partner, tmpl=None):
    """The partner's agreement, created from the template (a draft)."""
    tmpl = tmpl or template(world)
    return services.agreement_create_from_template(partner=partner, user=world.admin, template=tmpl)


def built_active(world, partner, tmpl=None):
    """An agreement built from the template, signed by both sides (active)."""
    agreement = built(world, partner, tmpl)
    version = agreement.versions.get()
    services.version_send(version=version, user=world.admin)
    services.version_sign(version=version, user=world.admin)
    services.version_sign(version=version, user=helpers.partner_manager(world, partner))
    version.refresh_from_db()
    return version


def form_data(parts=None, *, name="Posted template", review_interval_months=12, extra=None, **fields):
    """The POST of the template form: the fields and each part as a formset."""
    parts = standard_parts() if parts is None else parts
    data = {
        "name": name,
        "description": fields.pop("description", ""),
        "review_interval_months": str(review_interval_months),
        "note": fields.pop("note", ""),
        **fields,
    }
    for part in ("responsibilities", "channels", "escalation", "kpis"):
        rows = parts.get(part, [])
        data[f"{part}-TOTAL_FORMS"] = str(len(rows))
        data[f"{part}-INITIAL_FORMS"] = "0"
        data[f"{part}-MIN_NUM_FORMS"] = "0"
        data[f"{part}-MAX_NUM_FORMS"] = "1000"
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{part}-{index}-{key}"] = "" if value is None else str(value)
    if extra:
        data.update(extra)
    return data
