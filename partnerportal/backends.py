from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

UserModel = get_user_model()


class PortalBackend(ModelBackend):
    """Django's model backend that loads the signed-in user together with their organization.

    Every page shows the organization in the navigation bar and the access policy reads it on
    every request, so one join here saves a query on each of them.
    """

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("organization").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
