"""API authentication: DRF's token authentication, refusing people who may no longer sign in."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from partnerportal.backends import may_sign_in


class PortalTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; the token of a deactivated person or organisation answers 401."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__organization").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not may_sign_in(token.user):
            raise exceptions.AuthenticationFailed(_("This account has been deactivated.")) from None
        return (token.user, token)
