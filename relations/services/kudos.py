"""Kudos: one side thanks the other (told to them, and a line on the timeline)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify

from .. import timeline
from ..models import Kudos, TimelineCategory, side_of
from .base import other_side_people, require, require_partner


@transaction.atomic
def kudos_give(*, user, partner, title, message="") -> Kudos:
    require(user, policy.ADD, Kudos)
    require_partner(user, partner)
    kudos = Kudos(partner=partner, side=side_of(user), title=title, message=message, given_by=user)
    kudos.full_clean()
    kudos.save()
    notify(
        recipients=other_side_people(partner=partner, side=kudos.side),
        kind="relations.kudos",
        key=f"kudos:{kudos.pk}",
        template="relations/email/kudos",
        context={"kudos": kudos, "url": absolute("partners:detail", partner.pk)},
        url=reverse("partners:detail", args=[partner.pk]),
        partner=partner,
        email=False,
    )
    timeline.record(
        partner=partner,
        category=TimelineCategory.SUCCESS,
        title=gettext_noop("Kudos: %(title)s"),
        params={"title": title},
        key=f"kudos:{kudos.pk}",
        url=reverse("partners:detail", args=[partner.pk]) + "#section-successes",
        occurred_at=kudos.given_at,
    )
    return kudos
