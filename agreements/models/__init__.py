"""Versioned collaboration agreements: roles, channel matrix, escalation ladder, two-sided sign-off.

A version that is no longer a draft is *sealed*: sent for sign-off (in review) or *signed* (active,
superseded, terminated). A sealed version, its rows, its signatures once signed, the KPI targets it
commits to, their links and the agreement's title (which the version shows) do not change, whatever
the entry point (form, API, admin, shell): `save()`, `delete()`, the querysets' `update()`/`delete()`/
`bulk_create()`, every model's `_base_manager` and cascades (pre_delete signals, signals.py) refuse.
Only the life-cycle columns move, and only as the services move them (SEALED_CHANGES below), so a
change always starts a new draft. On PostgreSQL the same rules are triggers (migration 0002), which
also stop raw SQL and the ORM's unguarded internals; their refusal is an IntegrityError whose
message starts with "agreements:" (see `is_refusal`).
"""

from .agreements import (
    Agreement,
    AgreementQuerySet,
    AgreementVersion,
    VersionQuerySet,
)
from .base import (
    OPEN_STATUSES,
    SEALED_CHANGES,
    SEALED_STATUSES,
    SENT_STATUSES,
    SIGNED_STATUSES,
    TRANSITIONS,
    Channel,
    Party,
    Topic,
    VersionLocked,
    VersionStatus,
    is_refusal,
    topic_order,
)
from .rows import (
    AgreementVersionKPITarget,
    ChannelRule,
    DraftOnlyRow,
    EscalationStep,
    PersonRow,
    Responsibility,
    RowQuerySet,
    VersionRow,
    _assert_drafts,
)
from .signatures import (
    Signature,
    SignatureQuerySet,
)
from .templates import (
    TEMPLATE_PARTS,
    AgreementTemplate,
    AgreementTemplateRevision,
)

__all__ = [
    "Agreement",
    "AgreementQuerySet",
    "AgreementVersion",
    "AgreementVersionKPITarget",
    "Channel",
    "ChannelRule",
    "DraftOnlyRow",
    "EscalationStep",
    "OPEN_STATUSES",
    "Party",
    "PersonRow",
    "Responsibility",
    "RowQuerySet",
    "SEALED_CHANGES",
    "SEALED_STATUSES",
    "SENT_STATUSES",
    "SIGNED_STATUSES",
    "Signature",
    "SignatureQuerySet",
    "TRANSITIONS",
    "Topic",
    "VersionLocked",
    "VersionQuerySet",
    "VersionRow",
    "VersionStatus",
    "_assert_drafts",
    "is_refusal",
    "AgreementTemplate",
    "AgreementTemplateRevision",
    "TEMPLATE_PARTS",
    "topic_order",
]
