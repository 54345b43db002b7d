"""A page shows only the controls its user may use.

For each demo role, walk the portal from the home page over the demo data, and follow every link
and submit every form the pages offer (as the browser would, with the values the form holds): none
may answer 403. A 403 there means a page offered a button or link that the access policy then
refused, i.e. the page asked something other than the policy.
"""

import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.core.management import call_command
from django.test import Client

from partners.models import User

# Never followed: signing out ends the walk, and language/time-zone switches change the user.
SKIP = re.compile(r"^/(accounts/logout|i18n/|set-language|static/|media/|admin/|api/(docs|schema))")
MAX_PAGES = 160


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("hx-get", "hx-post"):
            if attrs.get(name):
                if name == "hx-get":
                    self.links.append(attrs[name])
                else:
                    self.forms.append({"action": attrs[name], "method": "post", "fields": {}})
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower()}
            self._form["fields"] = {}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button"):
            name = attrs.get("name")
            if not name or tag == "button":
                return
            kind = (attrs.get("type") or "").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind == "file":
                return
            self._form["fields"].setdefault(name, attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _shape(url: str) -> str:
    """One visit per kind of page: ids and query values do not make a new kind."""
    path = urlsplit(url).path
    return re.sub(r"/\d+", "/N", path)


def _walk(client) -> tuple[set, list]:
    refused = []
    queue = deque(["/"])
    seen_pages, seen_forms = set(), set()
    while queue and len(seen_pages) < MAX_PAGES:
        url = queue.popleft()
        shape = _shape(url)
        if shape in seen_pages:
            continue
        seen_pages.add(shape)
        response = client.get(url, follow=True)
        if response.status_code == 403:
            refused.append(("GET", url))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page_url = response.request["PATH_INFO"]
        parser = _Controls()
        parser.feed(response.content.decode("utf-8", "replace"))
        for href in parser.links:
            parts = urlsplit(urljoin(page_url, href))
            if parts.netloc or not parts.path.startswith("/") or SKIP.match(parts.path):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        for form in parser.forms:
            action = urljoin(page_url, form["action"] or page_url)
            parts = urlsplit(action)
            if parts.netloc or SKIP.match(parts.path):
                continue
            key = (form["method"], _shape(action))
            if key in seen_forms:
                continue
            seen_forms.add(key)
            if form["method"] == "post":
                if client.post(action, form["fields"]).status_code == 403:
                    refused.append(("POST", action, "offered on " + page_url))
            else:
                queue.append(parts.path)
    return seen_pages, refused


def test_no_offered_control_is_refused(db):
    call_command("seed_demo", stdout=io.StringIO())
    problems = {}
    for username in ("danlog_view", "danlog", "lager", "admin"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        seen, refused = _walk(client)
        assert len(seen) > 15, f"the walk for {username} found too few pages: {sorted(seen)}"
        if refused:
            problems[username] = refused
    assert not problems, f"pages offered controls the access policy refuses: {problems}"
