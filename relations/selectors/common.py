"""Reads every subject shares."""

from django.db.models import QuerySet

from partnerportal import policy
from partners import selectors as partner_selectors


def visible_partners(*, user) -> QuerySet:
    """The active partners the user may see, by name."""
    return policy.scope(user, policy.VIEW, partner_selectors.active_partners())
