"""What the agreements services share: the notification kinds and the checks every step makes first."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from partnerportal import policy

from ..models import AgreementVersion, ChannelRule, EscalationStep, Responsibility, VersionStatus

ROW_MODELS = (Responsibility, ChannelRule, EscalationStep)
KIND_SIGNATURE = "agreements.signature"
KIND_STATUS = "agreements.status"
KIND_REVIEW = "agreements.review"
_UNSET = object()


def _require(user, action, model, message=None):
    """Refuse (a message the form or the API shows) unless the access policy lets the user take `action` on
    `model` (agreements.policies: the host's staff change agreements; partner users only read and sign)."""
    if not policy.allows(user, action, model):
        raise ValidationError(message or _("Only host staff can change agreements."), code="forbidden")


def _lock(version) -> AgreementVersion:
    return AgreementVersion.objects.select_for_update().select_related("agreement__partner").get(pk=version.pk)


def _require_draft(version):
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            _("Version %(number)s is %(status)s and cannot be changed. Start a new draft instead.")
            % {"number": version.number, "status": version.get_status_display().lower()},
            code="locked",
        )
