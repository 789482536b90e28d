"""Fixtures for the browser tests: real processes (bench.stack, set up in e2e_stack.py) and
Debian's Chromium.

The handoff-only stack points RASA_URL at a closed port (the service then queues every
conversation as `bot_unavailable`, a real behaviour). The full stack adds the demo shop, the
action server and the Rasa server with models/current.tar.gz; without a model it is skipped
locally and fails in CI (`CI=true`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

# The benchmarks (with the stack launcher) are not an installed package: make `import bench` work.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from e2e_stack import running_stack  # noqa: E402

from bench.stack import MODEL, RASA, Stack, http_json  # noqa: E402

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
MOBILE = {"width": 375, "height": 740}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def service() -> Iterator[Stack]:
    """The handoff service alone; Rasa is 'down' (closed port)."""
    yield from running_stack(with_bot=False)


@pytest.fixture(scope="session")
def full_stack() -> Iterator[Stack]:
    """Shop + action server + Rasa (trained model) + handoff service."""
    missing = [str(p) for p in (MODEL, RASA) if not p.exists()]
    if missing:
        reason = f"full-stack browser test needs {', '.join(missing)} (run `make train`)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " — required in CI")
        pytest.skip(reason)
    yield from running_stack(with_bot=True)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM} (run `make system-deps`)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def make(**kwargs: Any) -> BrowserContext:
        context = browser.new_context(**kwargs)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


class Admin:
    """The API as an admin sees it (for looking up handoff ids in assertions)."""

    def __init__(self, stack: Stack) -> None:
        self.url = stack.handoff_url
        admin = stack.users["admin"]
        self.token = stack.login(admin["email"], admin["password"])["token"]

    def get(self, path: str) -> Any:
        status, data = http_json("GET", self.url + path, token=self.token)
        assert status == 200, (path, status, data)
        return data

    def handoff_for(self, conversation_id: str) -> dict[str, Any]:
        for item in self.get("/api/handoffs?status=all")["handoffs"]:
            if item["conversation_id"] == conversation_id:
                return dict(item)
        raise AssertionError(f"no handoff for {conversation_id}")


@pytest.fixture(scope="session")
def admin(service: Stack) -> Admin:
    return Admin(service)


# ---- page helpers -----------------------------------------------------------------------


def widget_open(page: Page) -> None:
    page.locator("#effortless-chat-widget").wait_for(state="attached")
    launcher = page.locator(".launcher")
    if launcher.is_visible():
        launcher.click()
    page.locator("#effortless-input").wait_for(state="visible")


def widget_send(page: Page, text: str) -> None:
    page.locator("#effortless-input").fill(text)
    page.locator("#effortless-input").press("Enter")


def stored_conversation(page: Page) -> dict[str, str]:
    """The conversation the widget keeps in localStorage (id, token, …)."""
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('effortless:conversation:')"
        " && !k.endsWith(':open'))"
    )
    value = page.evaluate(
        "() => { const k = Object.keys(localStorage).find(k => "
        "k.startsWith('effortless:conversation:') && !k.endsWith(':open'));"
        " return JSON.parse(localStorage.getItem(k)); }"
    )
    return dict(value)


def conversation_id(page: Page) -> str:
    return str(stored_conversation(page)["id"])


def console_login(page: Page, base: str, user: dict[str, Any]) -> None:
    page.goto(f"{base}/console")
    page.locator("#login-email").fill(user["email"])
    page.locator("#login-password").fill(user["password"])
    page.locator("#login-form button[type=submit]").click()
    page.locator("#app-view").wait_for(state="visible")
