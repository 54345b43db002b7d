"""What the relationship services share: permission checks, the other side's people, choice labels
for the timeline and the check of uploaded files."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy, uploads
from partnerportal.notifications.services import notify
from partners.selectors import all_organizations, host_managers, people_of

from .. import timeline
from ..models import ALLOWED_FILE_EXTENSIONS, MAX_FILE_BYTES, Side, side_of


def english_label(choices, value) -> str:
    """The untranslated label of a choice: stored in timeline params, translated when shown."""
    from django.utils import translation

    with translation.override("en"):
        return str(choices(value).label)


def require(user, action, model):
    if not policy.allows(user, action, model):
        raise PermissionDenied


def require_partner(user, partner):
    """The partner must be one the user may see (a partner user: only their own)."""
    if partner is None or partner.is_host:
        raise ValidationError({"partner": _("Choose a partner organisation.")})
    if not policy.scope(user, policy.VIEW, all_organizations()).filter(pk=partner.pk).exists():
        raise PermissionDenied
    return partner


def other_side_people(*, partner, side):
    """Who is on the other side of something posted by `side` (notification recipients)."""
    if side == Side.HOST:
        return list(people_of(organization=partner))
    return list(host_managers())


def announce(subject, *, kind, key, template, link, category, title, occurred_at, anchor="", **options):
    """Tell the other side about `subject` (posted by one side for a partner) and add its timeline line.

    `link` is the url name and arguments of the page the e-mail and the notification open, `title` the
    timeline message id filled with the subject's title; both share `key`. `options` go to notify.
    """
    url = reverse(link[0], args=link[1:])
    notify(
        recipients=other_side_people(partner=subject.partner, side=subject.side),
        kind=kind,
        key=key,
        template=template,
        context={subject._meta.model_name: subject, "url": settings.SITE_URL + url},
        url=url,
        partner=subject.partner,
        **options,
    )
    timeline.record(
        partner=subject.partner,
        category=category,
        title=title,
        params={"title": subject.title},
        key=key,
        url=url + anchor,
        occurred_at=occurred_at,
    )


def acknowledge(model, subject, *, user, already_done, own_side, also=()):
    """The other side acknowledges `subject` (once; who and when are kept), on a locked fresh copy.

    `already_done` is the message when it was acknowledged before (filled with the name of who did),
    `own_side` the one for the side it came from; `also` names fields stamped with the same time.
    """
    subject = model.objects.select_for_update().get(pk=subject.pk)
    if not policy.allows(user, "acknowledge", model):
        raise PermissionDenied  # the role may not acknowledge at all (a partner viewer)
    if subject.acknowledged_at is not None:
        raise ValidationError(already_done % {"name": subject.acknowledged_by})
    if subject.side == side_of(user):
        raise ValidationError(own_side)
    policy.require(user, "acknowledge", subject)
    subject.acknowledged_by = user
    now = timezone.now()
    for name in ("acknowledged_at", *also):
        setattr(subject, name, now)
    subject.save(update_fields=["acknowledged_by", "acknowledged_at", *also])
    return subject


def validate_upload(uploaded) -> str:
    """Allowed type (extension and content) and size of a case's or engagement's file; returns the clean
    file name."""
    return uploads.validate_file(uploaded, extensions=ALLOWED_FILE_EXTENSIONS, max_bytes=MAX_FILE_BYTES)
