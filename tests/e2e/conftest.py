"""Fixtures for the browser tests: real processes (bench.stack, set up in
tests/support/e2e_stack.py) and Debian's Chromium.

The handoff-only stack points RASA_URL at a closed port (the service then queues every
conversation as `bot_unavailable`, a real behaviour). The full stack adds the demo shop, the
action server and the Rasa server with models/current.tar.gz; without a model it is skipped
locally and fails in CI (`CI=true`)."""

from __future__ import annotations

from tests.support.environments import require_service

require_service("playwright")

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from bench.stack import MODEL, RASA, Stack
from tests.support.e2e_pages import Admin
from tests.support.e2e_stack import running_stack
from tests.support.e2e_widget import VIEWPORTS, widget_stack
from tests.support.smtp_inbox import Inbox, running_inbox

ROOT = Path(__file__).resolve().parents[2]

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


@pytest.fixture(scope="session")
def admin(service: Stack) -> Admin:
    return Admin(service)


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real local SMTP server (aiosmtpd) for the widget tests' e-mail."""
    yield from running_inbox()


@pytest.fixture(scope="module")
def stack(inbox: tuple[Inbox, int]) -> Iterator[Stack]:
    """The handoff service for the widget tests (bot down), sending e-mail to `inbox`."""
    yield from widget_stack(inbox[1])


@pytest.fixture(params=list(VIEWPORTS))
def size(request: pytest.FixtureRequest) -> str:
    """Each widget test at desktop and phone size (a test's own `size` parametrization wins)."""
    return str(request.param)
