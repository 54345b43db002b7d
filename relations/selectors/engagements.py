"""Reads of engagements."""

from django.db.models import QuerySet

from partnerportal import policy
from partners import selectors as partner_selectors

from ..models import Engagement
from .common import visible_partners


def engagement_list(*, user, partner=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Engagement).select_related("partner")
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs


def engagement_detail(*, user, pk) -> Engagement:
    qs = Engagement.objects.select_related("partner").prefetch_related("participants__organization", "files")
    return policy.get_object(user, policy.VIEW, qs, pk=pk)


def engagement_participant_choices(*, user) -> QuerySet:
    """Who may take part in an engagement: active people of the host and of the partners the user sees."""
    return (
        partner_selectors.host_and_partner_people(partners=visible_partners(user=user))
        .select_related("organization")
        .order_by("organization__name", "first_name")
    )


def api_engagements(*, user) -> QuerySet:
    """The API's engagements: those the user may see, with their participants."""
    return policy.scope(user, policy.VIEW, Engagement.objects.prefetch_related("participants"))
