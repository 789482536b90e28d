"""The pages and files the web blueprint serves: content types, security headers, the demo token."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from bench.stack import Stack, http_json
from handoff.security import verify_shop_token
from tests.support.e2e_stack import SHOP_SECRET


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return (
                int(response.status),
                {k.lower(): v for k, v in response.headers.items()},
                response.read().decode(),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read().decode()


def test_static_files_have_content_types(service: Stack) -> None:
    status, headers, body = fetch(f"{service.handoff_url}/widget.js")
    assert status == 200
    assert headers["content-type"].startswith("text/javascript")
    # A plain <script> tag sends no Origin and needs no CORS; it may be embedded cross-site.
    assert headers["cross-origin-resource-policy"] == "cross-origin"
    assert "access-control-allow-origin" not in headers
    assert "attachShadow" in body
    for path, kind in (
        ("/static/console/console.js", "text/javascript"),
        ("/static/console/console.css", "text/css"),
        ("/static/demo/demo.css", "text/css"),
    ):
        status, headers, _ = fetch(service.handoff_url + path)
        assert status == 200, path
        assert headers["content-type"].startswith(kind), path
        assert headers["x-content-type-options"] == "nosniff"


def test_static_refuses_paths_outside_the_folder(service: Stack) -> None:
    for path in ("/static/../web/routes.py", "/static/%2e%2e/config.py", "/static/nope.js"):
        status, headers, body = fetch(service.handoff_url + path)
        assert status == 404, path
        assert headers["content-type"].startswith("application/json")
        assert '"not_found"' in body


def test_console_and_demo_pages_send_a_strict_csp(service: Stack) -> None:
    for path in ("/console", "/demo"):
        status, headers, body = fetch(service.handoff_url + path)
        assert status == 200
        assert headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "<script src=" in body


def test_demo_sign_in_mints_a_valid_customer_token(service: Stack) -> None:
    _, _, anonymous = fetch(f"{service.handoff_url}/demo")
    assert "data-customer-token" not in anonymous
    assert "Sign in as Alice (C0001)" in anonymous
    _, _, page = fetch(f"{service.handoff_url}/demo?as=C0001")
    token = page.split('data-customer-token="', 1)[1].split('"', 1)[0]
    customer = verify_shop_token(SHOP_SECRET, token)
    assert customer.customer_id == "C0001"
    assert customer.name == "Alice Example"
    status, created = http_json(
        "POST",
        f"{service.handoff_url}/api/conversations",
        {"language": "en", "customer_token": token},
    )
    assert status == 201
    assert created["customer"] == {"id": "C0001", "name": "Alice Example"}
    # Unknown customers are not minted; the page falls back to an anonymous visitor.
    _, _, other = fetch(f"{service.handoff_url}/demo?as=" + urllib.parse.quote("<script>"))
    assert "data-customer-token" not in other
    assert '<script>"' not in other
