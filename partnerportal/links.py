"""Links for e-mails, calendar files and anything else read outside the browser: absolute, on SITE_URL."""

from django.conf import settings
from django.urls import reverse


def absolute(url_name: str, *args) -> str:
    """`reverse(url_name, args)` on the portal's public address (settings.SITE_URL)."""
    return settings.SITE_URL + reverse(url_name, args=args)


_ROW_PK = 2147483647  # a placeholder pk in the reversed URL, replaced by each row's own


def row_url(url_name: str) -> str:
    """The URL of `url_name` (one pk argument) for any row, as a format string ("/relations/notices/{}/"):
    a list reverses once and formats each row's pk into it, instead of one reverse or {% url %} a row."""
    return reverse(url_name, args=[_ROW_PK]).replace(str(_ROW_PK), "{}")
