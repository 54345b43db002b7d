"""Writes of the agreements app: the life cycle of a version, each step in one transaction.

Every step locks the version row (SELECT ... FOR UPDATE), checks that the step is allowed for
this user in this state, and otherwise raises a ValidationError with a clear message and changes
nothing. Views, the API, the admin and the demo data all go through these functions.

One module per subject; callers use this package (`from agreements import services`).
"""

from .base import (
    KIND_REVIEW,
    KIND_SIGNATURE,
    KIND_STATUS,
    ROW_MODELS,
)
from .drafts import (
    agreement_create,
    draft_create,
    row_delete,
    row_save,
    version_update,
)
from .reminders import (
    remind_pending_signatures,
    remind_reviews,
)
from .signatories import (
    host_signatories,
    is_host_signatory,
    is_partner_signatory,
    partner_signatories,
    party_of,
    review_owners,
    signatories_pending,
    signing_party,
)
from .signoff import (
    version_send,
    version_sign,
    version_terminate,
    version_withdraw,
)
from .templates import (
    agreement_create_from_template,
    fill_from_template,
    template_changes_carry,
    template_save,
)

__all__ = [
    "KIND_REVIEW",
    "KIND_SIGNATURE",
    "KIND_STATUS",
    "ROW_MODELS",
    "agreement_create",
    "draft_create",
    "host_signatories",
    "is_host_signatory",
    "is_partner_signatory",
    "partner_signatories",
    "party_of",
    "remind_pending_signatures",
    "remind_reviews",
    "review_owners",
    "row_delete",
    "row_save",
    "signatories_pending",
    "signing_party",
    "version_send",
    "version_sign",
    "version_terminate",
    "version_update",
    "version_withdraw",
    "agreement_create_from_template",
    "fill_from_template",
    "template_changes_carry",
    "template_save",
]
