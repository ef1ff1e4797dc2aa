"""Content-Security-Policy, Permissions-Policy and the other headers on every page.

The policy (config/security.py, SECURE_CSP in config/settings/base.py) is on in
every settings module, so the browser tests (tests/e2e) prove that the shop and its
camera pages work under it; these tests pin what it says.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self' {ws}; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize(
    "url",
    ["/", "/accounts/login/", "/cart/", "/products/tea-mug/", "/api/products/", "/x/"],
)
def test_every_response_carries_the_security_headers(client, product, url):
    response = client.get(url)

    assert response["Content-Security-Policy"] == STRICT.format(ws="ws://testserver")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Permissions-Policy"] == (
        "camera=(self), microphone=(), geolocation=()"
    )


def test_the_websocket_source_follows_the_scheme_of_the_page(client, db):
    response = client.get("/", secure=True)

    assert response["Content-Security-Policy"] == STRICT.format(ws="wss://testserver")


def test_the_camera_pages_get_the_strict_policy(client, shopper):
    client.force_login(shopper)

    response = client.get("/face/enrol/", follow=True)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STRICT.format(ws="ws://testserver")


def test_swagger_ui_may_only_use_its_inline_style(client):
    policy = client.get("/api/docs/")["Content-Security-Policy"]

    assert "script-src 'self';" in policy
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "frame-ancestors 'none'" in policy


def test_only_redoc_may_run_its_inline_code(client):
    policy = client.get("/api/redoc/")["Content-Security-Policy"]

    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in client.get("/api/schema/")["Content-Security-Policy"]


def test_debug_error_pages_keep_their_inline_styles(client, db, settings):
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Content-Security-Policy" not in response
    assert client.get("/")["Content-Security-Policy"]


INLINE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "a <style> block": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_holds_code_or_styles_the_policy_would_block():
    found = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = path.read_text()
        for what, pattern in INLINE.items():
            if pattern.search(text):
                found.append(f"{path.relative_to(settings.BASE_DIR)}: {what}")

    assert found == []
