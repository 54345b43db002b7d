"""Every page sends the Content-Security-Policy header, and the HTML satisfies it.

The policy allows scripts and styles from 'self' only, so a page may not contain inline
<script> (except data blocks of type application/json), <style> elements, style="" attributes or
on*="" event handler attributes.
"""

import io
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client

from partners.models import Organization, User


class CSPViolations(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, _value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            external = (_value or "").startswith(("http://", "https://", "//"))
            if name in ("src", "href") and external and tag in ("script", "link", "img"):
                self.problems.append(f"asset from another host: {_value}")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.problems.append("inline <script>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def violations(html):
    parser = CSPViolations()
    parser.feed(html)
    return parser.problems


def test_the_checker_catches_violations():
    assert violations('<div style="color:red"></div>') == ["style attribute on <div>"]
    assert violations("<script>alert(1)</script>") == ["inline <script>"]
    assert violations('<script type="application/json" id="x">{}</script>') == []
    assert violations('<button onclick="x()"></button>') == ["event handler onclick on <button>"]
    assert violations('<script src="https://cdn.example.com/x.js"></script>') == [
        "asset from another host: https://cdn.example.com/x.js"
    ]


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return {
        "danlog": Organization.objects.get(name="DanLog 3PL A/S"),
        "lager": User.objects.get(username="lager"),
        "admin": User.objects.get(username="admin"),
        "danlog_user": User.objects.get(username="danlog"),
    }


def _pages(demo):
    partner = demo["danlog"].pk
    host_pages = [
        "/dashboard/",
        "/partners/",
        "/partners/?q=vejle",
        f"/partners/{partner}/",
        f"/partners/{partner}/edit/",
        "/partners/new/",
        "/accounts/profile/",
        "/accounts/password/change/",
        "/accounts/token/",
        "/api/docs/",
        "/no-such-page/",
    ]
    return [
        (None, "/accounts/login/"),
        (None, "/accounts/password/reset/"),
        (None, "/accounts/password/reset/done/"),
        *[("lager", url) for url in host_pages],
        ("admin", "/audit/"),
        ("danlog_user", f"/partners/{partner}/"),
        ("danlog_user", "/accounts/profile/"),
        ("danlog_user", "/dashboard/"),  # 403 page
    ]


def test_pages_send_the_policy_and_satisfy_it(demo):
    clients = {None: Client()}
    for key in ("lager", "admin", "danlog_user"):
        clients[key] = Client()
        clients[key].force_login(demo[key])
    checked = 0
    for who, url in _pages(demo):
        response = clients[who].get(url)
        assert response.status_code in (200, 403, 404), (who, url, response.status_code)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
        assert "default-src 'self'" in policy
        assert "unsafe-inline" not in policy
        problems = violations(response.content.decode())
        assert not problems, f"{url} as {who}: {problems}"
        checked += 1
    assert checked == len(_pages(demo))


def test_json_and_healthz_also_carry_the_header(demo):
    assert "Content-Security-Policy" in Client().get("/healthz")
    client = Client()
    client.force_login(demo["lager"])
    assert "Content-Security-Policy" in client.get("/api/partners/")
