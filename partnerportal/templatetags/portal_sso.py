"""`{% sso_sign_in as option %}`: the host's single sign-on for the login page (None when not configured)."""

from django import template

from partnerportal import sso

register = template.Library()


@register.simple_tag
def sso_sign_in():
    return sso.host_sign_in()
