"""Links for e-mails, calendar files and anything else read outside the browser: absolute, on SITE_URL."""

from django.conf import settings
from django.urls import reverse


def absolute(url_name: str, *args) -> str:
    """`reverse(url_name, args)` on the portal's public address (settings.SITE_URL)."""
    return settings.SITE_URL + reverse(url_name, args=args)
