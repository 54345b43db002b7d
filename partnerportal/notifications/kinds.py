"""The kinds of notification people can choose e-mail for or against.

Apps register their kinds from their `hub.register()` (see partnerportal/hub.py) so that the
preferences page lists them with a readable label::

    from partnerportal.notifications import kinds

    kinds.register("meetings.reminder", _("Meeting reminders"))

A kind is named "<app label>.<what>" (``agreements.signature``, ``relations.case``); the shell's own
two are ``system`` and ``account``. A kind that is used with `notify()` but never registered still
works; it just cannot be turned off on the preferences page.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    # E-mailed whatever the person's setting (the preferences page says so), e.g. case escalations:
    # the ladder exists to reach people who did not react in the portal.
    always_email: bool = False


_KINDS: dict[str, Kind] = {}


def register(kind: str, label, *, always_email: bool = False) -> Kind:
    """Register (or relabel) a kind; registering the same kind twice is harmless."""
    if not kind or len(kind) > 60:
        raise ValueError(f"a notification kind needs 1 to 60 characters: {kind!r}")
    _KINDS[kind] = Kind(kind, label, always_email)
    return _KINDS[kind]


def all_kinds() -> list[Kind]:
    """Registered kinds in a stable order (by key, so the page does not jump between languages)."""
    return [_KINDS[key] for key in sorted(_KINDS)]


def is_registered(kind: str) -> bool:
    return kind in _KINDS


def label_for(kind: str):
    found = _KINDS.get(kind)
    return found.label if found else kind


# The foundation's own kinds (registered by notifications/hub.py).
SYSTEM = "system"
ACCOUNT = "account"
