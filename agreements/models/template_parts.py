"""The parts of an agreement template and their rules, which are the rules of a version's rows.

A template's part row is a dict with the fields of the row model it becomes in a draft (without the
person, chosen when the draft is built). It is checked by building that row model, unsaved, and
running the model's own field validation and check constraints, so a template can never hold a row
that a draft would refuse, and the rules exist once. A standard KPI of a template is checked the
same way, as an unsaved `kpis.KPITarget` of that KPI (thresholds on the right side of the target).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis.models import KPIDefinition, KPITarget, PartnerKPI

from .rows import ChannelRule, EscalationStep, Responsibility

# part -> (row model, the fields a template holds); the order is the order of pages and diffs.
ROW_PARTS = {
    "responsibilities": (Responsibility, ("party", "activity", "responsible_for")),
    "channels": (ChannelRule, ("topic", "channel", "response_hours", "party", "note")),
    "escalation": (EscalationStep, ("level", "after_hours", "party", "note")),
}
KPI_FIELDS = ("kpi", "horizon", "value", "warning", "critical")
PART_LABELS = {
    "responsibilities": gettext_lazy("Roles and responsibilities"),
    "channels": gettext_lazy("Channel matrix"),
    "escalation": gettext_lazy("Escalation ladder"),
    "kpis": gettext_lazy("Standard KPIs with default targets"),
}
# The unique constraint of each row model whose message says "this key is there twice".
_UNIQUE = {
    "responsibilities": "unique_agreement_responsibility_activity",
    "channels": "unique_agreement_channel_topic",
    "escalation": "unique_agreement_escalation_level",
}
_PERSON_AND_VERSION = ("version", "user", "contact")


class TemplateKPI:
    """A standard KPI of a template with its default target, shaped like a row for the diff."""

    DIFF_FIELDS = ("value", "warning", "critical")

    def __init__(self, *, kpi, horizon, value, warning=None, critical=None):
        self.kpi, self.horizon = kpi, horizon
        self.value, self.warning, self.critical = value, warning, critical

    @property
    def natural_key(self):
        return (self.kpi.code, self.horizon)

    def get_horizon_display(self):
        return KPITarget(horizon=self.horizon).get_horizon_display()

    def __str__(self):
        return f"{self.kpi.display_name} ({self.get_horizon_display().lower()})"


def _number(value):
    return None if value in (None, "") else float(value)


def active_kpis():
    """The KPIs a template can name: the active ones, the standard ones first."""
    return KPIDefinition.objects.filter(is_active=True).order_by("-is_standard", "name")


def kpi_definitions() -> dict:
    """The KPIs a template can name, by code."""
    return {kpi.code: kpi for kpi in active_kpis()}


def kpi_target_form_fields() -> dict:
    """Form fields for a template KPI's default target, as the KPI target model defines them."""
    from django import forms

    return forms.fields_for_model(KPITarget, fields=["horizon", "value", "warning", "critical"])


def new_partner_kpi(*, partner, kpi):
    """An unsaved, shared partner KPI (saved by kpis.services.partner_kpi_save)."""
    return PartnerKPI(partner=partner, kpi=kpi, shared=True)


def row_instance(part, data, *, kpis=None):
    """The unsaved row (or TemplateKPI) a part row describes."""
    if part == "kpis":
        kpis = kpis if kpis is not None else kpi_definitions()
        kpi = data["kpi"] if isinstance(data["kpi"], KPIDefinition) else kpis.get(data["kpi"])
        if kpi is None:
            raise ValidationError({"kpi": _("Choose one of the KPIs.")})
        return TemplateKPI(
            kpi=kpi,
            horizon=data.get("horizon") or "short_term",
            value=_number(data.get("value")),
            warning=_number(data.get("warning")),
            critical=_number(data.get("critical")),
        )
    model, names = ROW_PARTS[part]
    return model(**{name: data.get(name) for name in names if data.get(name) is not None})


def validate_part_row(part, data, *, kpis=None) -> dict:
    """The row, checked by the rules of the row model it becomes, as it is stored in a revision."""
    if part == "kpis":
        row = row_instance(part, data, kpis=kpis)
        target = KPITarget(horizon=row.horizon, value=row.value, warning=row.warning, critical=row.critical)
        # An unsaved partner KPI of this KPI lets the target's own clean() check the thresholds'
        # side (it reads only the KPI's direction; nothing is saved).
        target.partner_kpi = PartnerKPI(pk=-1, kpi=row.kpi)
        target.clean_fields(exclude=["partner_kpi", "partner", "kpi", "valid_from", "valid_to", "created_by", "note"])
        target.clean()
        return {
            "kpi": row.kpi.code,
            "horizon": row.horizon,
            "value": row.value,
            "warning": row.warning,
            "critical": row.critical,
        }
    model, names = ROW_PARTS[part]
    row = row_instance(part, data)
    exclude = [f.name for f in model._meta.fields if f.name not in names]
    row.clean_fields(exclude=exclude)
    row.validate_constraints(exclude=[*exclude, *_PERSON_AND_VERSION])
    return {name: getattr(row, name) for name in names}


def _duplicate_message(part):
    model = ROW_PARTS[part][0]
    constraint = next(c for c in model._meta.constraints if c.name == _UNIQUE[part])
    return constraint.violation_error_message


def validate_parts(parts: dict) -> dict:
    """Every part's rows checked (see `validate_part_row`), each key at most once per part.

    Raises a ValidationError naming the part and the row ("Channel matrix, row 2: …")."""
    kpis = kpi_definitions()
    cleaned, errors = {}, []
    for part in (*ROW_PARTS, "kpis"):
        rows, seen = [], set()
        for index, data in enumerate(parts.get(part) or [], start=1):
            prefix = _("%(part)s, row %(row)s") % {"part": PART_LABELS[part], "row": index}
            try:
                row = validate_part_row(part, data, kpis=kpis)
            except ValidationError as error:
                errors.extend(f"{prefix}: {message}" for message in error.messages)
                continue
            key = row_instance(part, row, kpis=kpis).natural_key
            if key in seen:
                message = (
                    _("This KPI and horizon are already in the template.")
                    if part == "kpis"
                    else _duplicate_message(part)
                )
                errors.append(f"{prefix}: {message}")
            seen.add(key)
            rows.append(row)
        cleaned[part] = rows
    if errors:
        raise ValidationError(errors)
    return cleaned


def part_rows(revision, part, *, kpis=None) -> list:
    """The unsaved rows (or TemplateKPIs) of one part of a revision (none for no revision)."""
    if revision is None:
        return []
    kpis = kpis if kpis is not None else kpi_definitions()
    rows = []
    for data in getattr(revision, part):
        try:
            rows.append(row_instance(part, data, kpis=kpis))
        except ValidationError:
            continue  # a KPI that was deactivated since: no longer part of what the template offers
    return rows
