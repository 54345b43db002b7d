"""Reads of the roadmap: plans, who they are shared with, and the comments on them."""

from django.db.models import QuerySet

from partnerportal import policy
from partners import selectors as partner_selectors

from ..models import RoadmapComment, RoadmapItem


def roadmap_list(*, user, partner=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, RoadmapItem).prefetch_related("shared_with")
    if partner is not None:
        qs = qs.filter(shared_with=partner)
    return qs.distinct()


def roadmap_detail(*, user, pk) -> RoadmapItem:
    return policy.get_object(user, policy.VIEW, RoadmapItem.objects.prefetch_related("shared_with"), pk=pk)


def roadmap_comments(*, user, item) -> QuerySet:
    return policy.scope(user, policy.VIEW, RoadmapComment).filter(item=item).select_related("author", "partner")


def roadmap_share_choices(*, item=None) -> QuerySet:
    """The partners a plan may be shared with: the active ones, plus any it is already shared with
    (so that editing keeps them)."""
    partners = partner_selectors.partner_queryset()
    choosable = partners.filter(is_active=True)
    if item is not None and item.pk:
        choosable = choosable | partners.filter(roadmap_items=item)
    return choosable.distinct().order_by("name")


def api_roadmap_items(*, user) -> QuerySet:
    """The API's plans: those the user may see, with the partners they are shared with."""
    return policy.scope(user, policy.VIEW, RoadmapItem.objects.prefetch_related("shared_with")).distinct()


def api_roadmap_comments(*, user) -> QuerySet:
    """The API's roadmap comments: those the user may see, with their authors."""
    return policy.scope(user, policy.VIEW, RoadmapComment.objects.select_related("author"))
