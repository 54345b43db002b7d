"""Notifications in the access policy.

A notification belongs to one person, which the policy's partner model ("which organisation
does this object belong to?") cannot express on its own. So the rule has two halves, each
written once:

- here, the policy keeps the partner boundary (a partner user can only ever reach rows of
  their own organisation's people, whatever else goes wrong) and says which roles may view and
  change (mark read) notifications at all;
- `selectors.inbox()` narrows that to the user's own rows (recipient = user). Every page, API
  endpoint and the header badge get their notifications from `selectors.inbox()`, so the
  "own only" rule lives in that one function.
"""

from partnerportal import policy

from .models import Notification, NotificationPreference

OWN = {policy.VIEW, policy.CHANGE}


def register():
    """Describe the app's models to the access policy (called once, by the app's ready())."""
    policy.register(
        Notification,
        partner_path="recipient__organization",
        manager=OWN,
        partner_manager=OWN,
        partner_viewer=OWN,
    )
    policy.register(
        NotificationPreference,
        partner_path="user__organization",
        manager=OWN | {policy.ADD},
        partner_manager=OWN | {policy.ADD},
        partner_viewer=OWN | {policy.ADD},
    )
