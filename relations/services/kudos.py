"""Kudos: one side thanks the other (told to them, and a line on the timeline)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from partnerportal import policy

from ..models import Kudos, TimelineCategory, side_of
from .base import announce, require, require_partner


@transaction.atomic
def kudos_give(*, user, partner, title, message="") -> Kudos:
    require(user, policy.ADD, Kudos)
    require_partner(user, partner)
    kudos = Kudos(partner=partner, side=side_of(user), title=title, message=message, given_by=user)
    kudos.full_clean()
    kudos.save()
    announce(
        kudos,
        kind="relations.kudos",
        key=f"kudos:{kudos.pk}",
        template="relations/email/kudos",
        link=("partners:detail", partner.pk),
        category=TimelineCategory.SUCCESS,
        title=gettext_noop("Kudos: %(title)s"),
        occurred_at=kudos.given_at,
        anchor="#section-successes",
        email=False,
    )
    return kudos
