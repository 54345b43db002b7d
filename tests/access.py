"""The access matrix: every page and endpoint × every role × own/other partner.

Each app lists its URLs in `tests/<app>/access.py` as ENDPOINTS; tests/test_access_matrix.py
collects them all. An Endpoint knows how to build the URL of an object that belongs to a given
partner (creating the object in the test database), and which roles may open it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

HOST = frozenset({"admin", "manager"})
PARTNER = frozenset({"partner_manager", "partner_viewer"})
EVERYONE = HOST | PARTNER


@dataclass(frozen=True)
class Endpoint:
    id: str
    # build(world, partner) -> URL of an object that belongs to `partner` (or a page about it)
    build: Callable
    allowed: frozenset = EVERYONE
    api: bool = False
    method: str = "get"
    data: Callable | None = None  # data(world, partner) -> dict for POST/PATCH
    ok: tuple = (200,)
    # Is the URL about one partner's object? Then a partner user asking for the other
    # partner's object must get 404. False for lists/pages that are not about one partner.
    partner_scoped: bool = True
    # marker(world, partner) -> text that only the given partner's object shows; a partner user's
    # page must never contain the other partner's marker (catches leaks in lists).
    marker: Callable | None = None
    extra: dict = field(default_factory=dict)
