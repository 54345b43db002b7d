"""The dashboard panels' figures in the cache (Redis in production), invalidated when their inputs change.

A panel computes its figures (plain data and a few model instances, never HTML: the page is still
rendered in the reader's language) through `cached(key, user, compute)`. They are kept
`DASHBOARD_CACHE_SECONDS` (default 300; 0 turns the cache off) under the panel's key, the database, the
user (with the role and organization that decide what they may see), the language and today's date, with
the panel's *generation*. An app names what its panel reads with `invalidate_on(key, *models)`: a save
or delete of one of them gives the panel a new generation (at once, and again when the transaction
commits, so that a reader who recomputed from the data before the commit does not keep it), and every
figure kept under an older one is computed again at its next request. A panel whose figures change
with the time of day (the next meetings) passes `seconds_of`: how long its figures hold at most.

A generation is a random token, not a counter: a lost generation key (evicted, Redis restarted)
starts a new token, never an old one again. One cache round trip per panel (`get_many` of the
generation and the figures).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation

from partnerportal import policy

DEFAULT_SECONDS = 300
PREFIX = "dashboard-panel"


def seconds() -> int:
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", DEFAULT_SECONDS))


def _generation_key(key: str) -> str:
    return f"{PREFIX}:{key}:generation"


def cached(key: str, user, compute, *, seconds_of=None):
    """The panel's figures for `user`: from the cache if computed since the panel's inputs last changed
    (and today), else `compute()`, kept for later requests. `seconds_of(figures)`: how long they hold
    at most (None: the default)."""
    timeout = seconds()
    if timeout <= 0:
        return compute()
    scope = f"{connection.settings_dict['NAME']}:{user.pk}:{policy.role_of(user)}:{user.organization_id}"
    # The language too: a panel's rows may hold text made in Python (the successes' labels).
    figures_key = f"{PREFIX}:{key}:{scope}:{translation.get_language()}:{timezone.localdate().isoformat()}"
    found = cache.get_many([_generation_key(key), figures_key])
    generation = found.get(_generation_key(key))
    kept = found.get(figures_key)
    if generation is not None and kept is not None and kept[0] == generation:
        return kept[1]
    if generation is None:
        generation = uuid.uuid4().hex
        if not cache.add(_generation_key(key), generation, None):
            generation = cache.get(_generation_key(key)) or generation
    figures = compute()
    if seconds_of is not None:
        held = seconds_of(figures)
        timeout = timeout if held is None else max(1, min(timeout, int(held)))
    cache.set(figures_key, (generation, figures), timeout)
    return figures


def invalidate(*keys: str) -> None:
    """The panels' figures are computed again at their next request (at once, and after the commit)."""
    if not keys:
        return

    def renew():
        cache.set_many({_generation_key(key): uuid.uuid4().hex for key in keys}, None)

    renew()
    if transaction.get_connection().in_atomic_block:  # outside a transaction the write is already committed
        transaction.on_commit(renew)


def invalidate_on(key: str, *models, ignore_fields=frozenset()) -> None:
    """A save or delete of any of `models` invalidates the panel `key`; a save that writes only
    `ignore_fields` (say a user's last_login) does not."""

    def changed(sender, raw=False, update_fields=None, **kwargs):
        if raw or (update_fields and set(update_fields) <= set(ignore_fields)):
            return
        invalidate(key)

    for model in models:
        label = model if isinstance(model, str) else model._meta.label
        uid = f"{PREFIX}:{key}:{label}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
