from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

UserModel = get_user_model()


def may_sign_in(user) -> bool:
    """A person may use the portal only while they and their organisation are both active.

    Asked on every request by every way in: the session (PortalBackend.get_user), the API token
    (partnerportal.authentication.PortalTokenAuthentication), the calendar feed and the login
    form. Deactivating a person or an organisation therefore cuts them off at the next request,
    however the flag was flipped (form, admin, service or a bare queryset update).
    """
    if user is None or not getattr(user, "is_active", False):
        return False
    organization = getattr(user, "organization", None) if getattr(user, "organization_id", None) else None
    return organization is None or organization.is_active


class PortalBackend(ModelBackend):
    """Django's model backend that loads the signed-in user together with their organization.

    Every page shows the organization in the navigation bar and the access policy reads it on
    every request, so one join here saves a query on each of them. A person who is inactive, or
    whose organisation is, is refused both at login and for every request of an existing session.
    """

    def user_can_authenticate(self, user):
        return may_sign_in(user)

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("organization").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
