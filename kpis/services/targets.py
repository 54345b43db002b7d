"""Writes of partner KPIs and their targets; the guard through which other apps vet target changes."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import pre_delete
from django.utils.translation import gettext as _

from partnerportal import formats, policy

from ..models import KPITarget, PartnerKPI


def partner_kpi_save(*, user, partner_kpi: PartnerKPI) -> PartnerKPI:
    if not policy.allows(user, policy.CHANGE if partner_kpi.pk else policy.ADD, PartnerKPI):
        raise PermissionDenied
    partner_kpi.full_clean()
    partner_kpi.save()
    return partner_kpi


def target_set(
    *,
    user,
    partner_kpi: PartnerKPI,
    horizon,
    value,
    warning=None,
    critical=None,
    valid_from: date,
    valid_to=None,
    note="",
) -> KPITarget:
    """A new target. The one of the same horizon in force until now is closed the day before: history is kept."""
    if not policy.allows(user, policy.ADD, KPITarget):
        raise PermissionDenied
    target = KPITarget(
        partner_kpi=partner_kpi,
        partner_id=partner_kpi.partner_id,
        kpi_id=partner_kpi.kpi_id,
        horizon=horizon,
        value=value,
        warning=warning,
        critical=critical,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
        created_by=user,
    )
    target.full_clean()
    with transaction.atomic():
        earlier = KPITarget.objects.select_for_update().filter(
            partner_kpi=partner_kpi, horizon=horizon, valid_from__lt=valid_from
        )
        for previous in earlier:
            if previous.valid_to is None or previous.valid_to >= valid_from:
                previous.valid_to = valid_from - timedelta(days=1)
                previous.save(update_fields=["valid_to"])
        later = KPITarget.objects.filter(partner_kpi=partner_kpi, horizon=horizon, valid_from__gte=valid_from)
        if later.exists():
            raise ValidationError(
                {
                    "valid_from": _("A target of this horizon already starts on or after %(date)s.")
                    % {"date": formats.short_day(valid_from)}
                }
            )
        target.save()
    return target


def _check_deleted_target(sender, instance, **kwargs):
    KPITarget.check_change(KPITarget.objects.filter(pk=instance.pk), None)


def guard_targets(guard) -> None:
    """Have `guard(targets, changes)` vet every change and deletion of KPI targets, by cascade too."""
    if guard not in KPITarget.change_guards:
        KPITarget.change_guards.append(guard)
    pre_delete.connect(_check_deleted_target, sender=KPITarget, dispatch_uid="kpis_guard_deleted_targets")
