"""The portal has an icon: every page links it, and `/favicon.ico` (which browsers ask for on their
own, also on the login page and before anyone signs in) answers with it instead of a 404."""

import re
import struct
from xml.etree import ElementTree

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_redirects_to_the_static_icon_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.ico")
    assert client.post("/favicon.ico").status_code == 405


def test_the_icon_files_are_real_images():
    with open(finders.find("favicon.ico"), "rb") as handle:
        data = handle.read()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count >= 1  # an icon directory
    sizes = set()
    for index in range(count):
        width, _height, _c, _r, _planes, _bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        sizes.add(width)
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(data)
    assert {16, 32} <= sizes
    svg = ElementTree.parse(finders.find("favicon.svg")).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox")


def test_pages_link_the_icon(client, world, client_as):
    for page in (client.get("/accounts/login/"), client_as(world.a_manager).get("/", follow=True)):
        html = page.content.decode()
        links = re.findall(r'<link rel="icon" href="([^"]+)"', html)
        assert static("favicon.svg") in links and static("favicon.ico") in links, links
