"""Write side of the partner timeline: one TimelineEvent row per event, keyed so it is never doubled."""

from django.utils import timezone

from .models import TimelineEvent


def record(*, partner, category, title, key, params=None, url="", occurred_at=None, internal=False) -> TimelineEvent:
    """Add (or refresh) the timeline line `key` of `partner`; the same key never makes two lines.

    `title` is an English message id (marked with gettext_noop) filled with `params` when shown, so
    each reader sees the line in their own language; params ending in `_label` are translated too.
    """
    event, _ = TimelineEvent.objects.update_or_create(
        key=key[:200],
        defaults={
            "partner": partner,
            "category": category,
            "title": str(title)[:300],
            "params": params or {},
            "url": url,
            "occurred_at": occurred_at or timezone.now(),
            "internal": internal,
        },
    )
    return event
