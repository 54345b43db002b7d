"""Keep the KPI targets a version commits to as immutable as its rows."""

from django.db.models.signals import m2m_changed

from .models import AgreementVersion, VersionLocked, VersionStatus


def _guard_kpi_targets(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if reverse:
        versions = AgreementVersion.objects.filter(pk__in=pk_set or [])
        if action == "pre_clear":
            versions = instance.agreement_versions.all()
        if versions.exclude(status=VersionStatus.DRAFT).exists():
            raise VersionLocked()
    elif AgreementVersion.objects.filter(pk=instance.pk).exclude(status=VersionStatus.DRAFT).exists():
        raise VersionLocked()


def connect():
    through = getattr(getattr(AgreementVersion, "kpi_targets", None), "through", None)
    if through is not None:
        m2m_changed.connect(_guard_kpi_targets, sender=through, dispatch_uid="agreements_kpi_targets_guard")


connect()
