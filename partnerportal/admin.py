"""What the apps' admins share."""


class ReadOnlyAdminMixin:
    """Shown, not added, changed or deleted here: the portal's services make those changes and keep
    their rules (history, signatures), so the admin must not go around them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
