"""Deactivation, whatever the path (form, service, Django admin): revoke the credentials at once.

A queryset `update(is_active=...)` sends no signals; `models.ActiveFlagQuerySet.update` takes
care of it.
"""

from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal

from .models import Organization, User

# Sent with `user_ids` after the sessions and API tokens of these people were deleted. Apps
# with credentials of their own (e.g. calendar feeds) delete them too.
access_revoked = Signal()


def _remember_active_flag(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and "is_active" not in update_fields):
        instance._was_active = None
        return
    instance._was_active = sender._base_manager.filter(pk=instance.pk).values_list("is_active", flat=True).first()


def _revoke_on_deactivation(sender, instance, created, raw=False, **kwargs):
    was_active = getattr(instance, "_was_active", None)
    instance._was_active = None
    if raw or created or not was_active or instance.is_active:
        return
    from . import services

    if sender is Organization:
        services.revoke_access_of_organization(organization_id=instance.pk)
    else:
        services.revoke_access(user_ids=[instance.pk])


def connect():
    """Listen to saves of organisations and people (once per process: dispatch_uid); called by PartnersConfig.ready."""
    for model, name in ((Organization, "org"), (User, "user")):
        pre_save.connect(_remember_active_flag, sender=model, dispatch_uid=f"partners-{name}-was-active")
        post_save.connect(_revoke_on_deactivation, sender=model, dispatch_uid=f"partners-{name}-deactivated")
