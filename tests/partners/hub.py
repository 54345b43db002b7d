"""The partner hub as a reader sees it once every lazy section has loaded: the first answer with each
lazy placeholder replaced by what htmx swaps in for it (the section from partners:section)."""

import re

from django.urls import reverse

PLACEHOLDER = re.compile(r"<section\b[^>]*\bdata-lazy-section\b[^>]*>.*?</section>", re.S)
SECTION_URL = re.compile(r'hx-get="([^"]+)"')


def lazy_urls(html):
    """The section URLs of the lazy placeholders in a hub page, in page order."""
    return [SECTION_URL.search(m.group(0)).group(1) for m in PLACEHOLDER.finditer(html)]


def hub_page(client, partner, **headers):
    """The hub of `partner` for `client` with every lazy section loaded as htmx loads it."""
    html = client.get(reverse("partners:detail", args=[partner.pk]), **headers).content.decode()

    def load(match):
        response = client.get(SECTION_URL.search(match.group(0)).group(1), HTTP_HX_REQUEST="true", **headers)
        return response.content.decode() if response.status_code == 200 else ""

    return PLACEHOLDER.sub(load, html)
