"""Playwright (sync API) against pytest-django's live server, with the Debian Chromium.

Playwright's own browser download does not work on our machines, so it launches the system
Chromium. No Chromium: the browser tests are skipped, unless REQUIRE_BROWSER is set (CI), where a
skip would hide a failure.

Playwright's sync API runs an asyncio loop in the test's thread. While it runs, Django hands that
thread a different database connection object (asgiref's Local is context-local), so Playwright
is started per test, after the test database is set up, and stopped before it is flushed. That
keeps the flush and the serialized-rollback restore (the role groups come from a data
migration, and a flush would wipe them for later tests) on Django's own connection.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import Page, expect

from casework.management.commands.load_demo import DEMO_PASSWORD
from tests.conftest import _require

# Without this Django refuses ORM calls from the test body while Playwright's loop runs
# ("You cannot call this from an async context - use a thread or sync_to_async").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _require("REQUIRE_BROWSER", f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(request, chromium_path, live_server, transactional_db, django_db_serialized_rollback):
    """A fresh headless Chromium page on the live server; a screenshot if the test fails."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            yield page
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                RESULTS.mkdir(exist_ok=True)
                page.screenshot(path=str(RESULTS / f"{request.node.name}-failed.png"),
                                full_page=True)
            browser.close()
            # Close the connections the test body opened inside Playwright's loop, or the
            # test database cannot be flushed or dropped (PostgreSQL) afterwards.
            connections.close_all()


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", stdout=io.StringIO())


def sign_in(page: Page, username: str) -> None:
    """Sign in through the real pages: the password, then the demo authenticator's code."""
    page.goto("/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Second factor", level=1)).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(demo_code(username))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()


def demo_code(username: str) -> str:
    """What `manage.py demo_code USERNAME` prints, waiting if this step's code was used."""
    import time

    from django.contrib.auth import get_user_model

    from casework.accounts import mfa

    device = mfa.demo_authenticator(get_user_model().objects.get(username=username))
    code, wait = mfa.next_code(device)
    if wait:  # signed in twice in one 30-second step already: the next code is due shortly
        time.sleep(wait)
        code, _ = mfa.next_code(device)
    return code


def expect_message(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()
