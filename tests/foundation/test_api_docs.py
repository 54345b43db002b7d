"""/api/docs/ works under the strict CSP with local assets; /api/schema/ is a valid OpenAPI document."""

import re

import pytest
from django.test import Client
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token


def test_api_docs_page_uses_only_local_assets(world, client_as):
    client = client_as(world.manager)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Content-Security-Policy" in response
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script on the docs page"
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in u for u in urls)
    for url in urls:
        asset = client.get(url.replace("&amp;", "&"))
        assert asset.status_code == 200, url
        if hasattr(asset, "streaming_content"):
            b"".join(asset.streaming_content)


def test_api_docs_init_script_is_served_separately(world, client_as):
    response = client_as(world.a_viewer).get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert "SwaggerUIBundle" in body
    assert "/api/schema/" in body


def test_schema_is_valid_openapi_with_the_core_endpoints(world, client_as):
    response = client_as(world.a_manager).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "/api/partners/" in schema["paths"]
    assert "/api/partners/{id}/" in schema["paths"]
    assert "/api/me/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/docs/?script="])
def test_api_docs_and_schema_need_a_login(url):
    assert Client().get(url).status_code == 401


def test_schema_with_a_token(world):
    token = Token.objects.create(user=world.b_viewer)
    response = Client().get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
