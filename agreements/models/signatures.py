"""The signatures of a version, one per party; kept for the record once the version is signed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .agreements import AgreementVersion
from .base import Party, VersionLocked, VersionStatus


class SignatureQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise VersionLocked(_("A signature cannot be changed."))

    update.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        in_review = AgreementVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        if in_review.filter(pk__in={obj.version_id for obj in objs}).count() != len({obj.version_id for obj in objs}):
            raise VersionLocked(_("Only a version sent for sign-off can be signed."))
        return super().bulk_create(objs, *args, **kwargs)

    def delete(self):
        if self.exclude(version__status=VersionStatus.IN_REVIEW).exists():
            raise VersionLocked(_("A signature of an active or past version is kept for the record."))
        return super().delete()

    delete.queryset_only = True


class Signature(models.Model):
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("version")
    )
    party = models.CharField(_("party"), max_length=8, choices=Party.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="agreement_signatures",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"))

    objects = SignatureQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["signed_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [models.UniqueConstraint(fields=["version", "party"], name="one_signature_per_party")]

    def __str__(self):
        return f"{self.user} ({self.get_party_display()})"

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk).exists():
            raise VersionLocked(_("A signature cannot be changed."))
        if not AgreementVersion.objects.filter(pk=self.version_id, status=VersionStatus.IN_REVIEW).exists():
            raise VersionLocked(_("Only a version sent for sign-off can be signed."))
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        type(self).objects.filter(pk=self.pk).delete()

    delete.alters_data = True
