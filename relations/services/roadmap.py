"""Roadmap: save a plan and the partners it is shared with (each told once), and comment in a partner's thread."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.models import Notification
from partnerportal.notifications.services import notify, withdraw
from partners.selectors import people_of

from .. import timeline
from ..models import RoadmapComment, RoadmapItem, TimelineCategory, side_of
from .base import other_side_people, require


def _check_sharing(shared_with, before: set[int]) -> list:
    """Only partner organisations; a partner newly added must be active (one already shared may stay)."""
    partners = list(dict.fromkeys(shared_with))
    if any(p.is_host for p in partners):
        raise ValidationError({"shared_with": _("A plan is shared with partner organisations, not the host.")})
    inactive = [p.name for p in partners if not p.is_active and p.pk not in before]
    if inactive:
        raise ValidationError(
            {
                "shared_with": _("These partners are not active and cannot be chosen: %(names)s.")
                % {"names": ", ".join(inactive)}
            }
        )
    return partners


@transaction.atomic
def roadmap_save(*, user, item, shared_with=None) -> RoadmapItem:
    """Save a plan; `shared_with` (if given) replaces the partners who see it.

    Each newly added partner's people are told once (in their own language); a partner removed
    loses sight of the plan at once and its pending news about the plan is withdrawn.
    """
    require(user, policy.CHANGE if item.pk else policy.ADD, RoadmapItem)
    # The row lock makes concurrent saves take turns, so "newly added" is decided once per partner.
    previous = RoadmapItem.objects.select_for_update().filter(pk=item.pk).first() if item.pk else None
    before = set(previous.shared_with.values_list("pk", flat=True)) if previous else set()
    partners = _check_sharing(shared_with, before) if shared_with is not None else None
    if not item.pk:
        item.created_by = user
    item.full_clean()
    item.save()
    if partners is not None:
        item.shared_with.set(partners)
    now_shared = list(item.shared_with.all())
    for removed in before - {p.pk for p in now_shared}:
        withdraw(key_prefix=f"roadmap:{item.pk}:{removed}:")
    timing_changed = previous is not None and (previous.starts_on != item.starts_on or previous.ends_on != item.ends_on)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    for partner in now_shared:
        newly = partner.pk not in before
        if not (newly or timing_changed):
            continue
        event = "shared" if newly else f"timing:{item.starts_on}:{item.ends_on}"
        key = f"roadmap:{item.pk}:{partner.pk}:{event}"
        if newly and Notification.objects.filter(key=key).exists():
            key = f"{key}:{stamp}"  # shared again after being removed: told again
        notify(
            recipients=people_of(organization=partner),
            kind="relations.roadmap",
            key=key,
            template="relations/email/roadmap",
            context={"item": item, "newly": newly, "url": absolute("relations:roadmap_detail", item.pk)},
            url=item.get_absolute_url(),
            partner=partner,
        )
        timeline.record(
            partner=partner,
            category=TimelineCategory.ROADMAP,
            title=gettext_noop("Plan shared: %(title)s") if newly else gettext_noop("Plan timing changed: %(title)s"),
            params={"title": item.title},
            key=f"{key}:{stamp if not newly else ''}",
            url=item.get_absolute_url(),
        )
    return item


@transaction.atomic
def roadmap_comment(*, user, item, body, is_idea=False, partner=None) -> RoadmapComment:
    """A partner comments in their own thread; host staff answer in a chosen partner's thread."""
    require(user, policy.ADD, RoadmapComment)
    if not policy.can(user, policy.VIEW, item):
        raise PermissionDenied
    if policy.is_partner(user):
        partner = user.organization
    if partner is None or not item.shared_with.filter(pk=partner.pk).exists():
        raise ValidationError(_("The plan is not shared with this partner."))
    comment = RoadmapComment(item=item, partner=partner, author=user, body=body, is_idea=is_idea)
    comment.full_clean()
    comment.save()
    notify(
        recipients=other_side_people(partner=partner, side=side_of(user)),
        kind="relations.roadmap_comment",
        key=f"roadmap-comment:{comment.pk}",
        template="relations/email/roadmap_comment",
        context={"item": item, "comment": comment, "url": absolute("relations:roadmap_detail", item.pk)},
        url=item.get_absolute_url(),
        partner=partner,
        email=False,
    )
    return comment
