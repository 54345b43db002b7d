"""Receivers of other apps' signals: a deactivated person's calendar feed addresses stop working."""

from partners.signals import access_revoked

from . import services


def connect():
    """Listen to partners' `access_revoked` (once per process: dispatch_uid); called by MeetingsConfig.ready."""
    access_revoked.connect(services.feeds_revoke_for, dispatch_uid="meetings-feeds-revoked")
