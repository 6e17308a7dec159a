"""Helpers for the browser tests that visit many pages: signing in without the sign-in pages,
and the addresses a role can reach (the same crawl as tests/pages/test_unique_ids.py)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Page

from tests.pages.crawl import reachable_pages


def signed_in_client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))  # with the 2nd factor
    return client


def share_session(page: Page, client: Client, base_url: str) -> None:
    """Give the browser the test client's signed-in session (both factors passed)."""
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
    }])


def pages_of(client: Client, *, per_route: int) -> list[str]:
    return list(reachable_pages(client, per_route=per_route))
