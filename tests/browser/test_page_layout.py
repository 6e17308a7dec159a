"""The header fits from 320 px to wide screens for every role, and the main pages at 1280 px and
375 px are saved as screenshots (in $SCREENSHOT_DIR, or pytest's temporary directory)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from casework.management.commands.load_demo import USERS
from referrals.models import Referral
from tests.browser.pages import share_session, signed_in_client

pytestmark = pytest.mark.browser

WIDTHS = [320, 375, 768, 1024, 1280, 1920]
STAFF = [name for name, _ in USERS]


def _box(locator):
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not drawn"
    return box


def _overlap(a, b) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def _inside(box, width) -> bool:
    return box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def check_header(page: Page, width: int) -> None:
    """The title and every navigation item are in the viewport, and no item covers the title."""
    title = _box(page.locator(".usa-logo"))
    assert _inside(title, width), f"the title runs off the screen at {width}px: {title}"
    menu = page.locator(".usa-menu-btn")
    narrow = menu.is_visible()
    if narrow:  # the items are behind the menu button, in a panel drawn over the page
        assert _inside(_box(menu), width)
        assert not _overlap(title, _box(menu)), f"the menu button covers the title at {width}px"
        menu.click()
        # The menu slides in from the right: wait until it is in place.
        page.wait_for_function(
            "() => { const r = document.querySelector('.usa-nav').getBoundingClientRect();"
            " return r.left >= 0 && r.right <= window.innerWidth + 0.5; }"
        )
    items = page.locator(".usa-nav__primary > li")
    assert items.count() > 0
    for index in range(items.count()):
        item = _box(items.nth(index))
        assert _inside(item, width), f"item {index} runs off the screen at {width}px: {item}"
        if not narrow:
            assert not _overlap(title, item), f"item {index} covers the title at {width}px"
    # No sideways scrolling: nothing on the page is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_header_fits_every_width_for_every_role(page: Page, demo, live_server):
    for username in STAFF:  # one test, one demo load: loading it is the slow part
        share_session(page, signed_in_client(username), live_server.url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto("/account/")  # every role has this page, and its menu on it
            check_header(page, width)


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_it_saves_screenshots_of_the_main_pages(page: Page, demo, live_server, screenshot_dir):
    from casework.models import Case

    case = Case.objects.filter(caseworker__username="caseworker", stage="service_plan").first()
    referral = Referral.objects.filter(status=Referral.Status.NEW).first()
    shots = [
        ("caseworker", "dashboard", "/"),
        ("caseworker", "case", case.get_absolute_url()),
        ("intake", "screening", f"/referrals/{referral.reference}/"),
    ]
    saved = []
    for username, name, address in shots:
        share_session(page, signed_in_client(username), live_server.url)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(address)
            check_header(page, width)
            path = screenshot_dir / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
    for path in saved:
        print(f"screenshot: {path}")
    assert all(path.stat().st_size > 0 for path in saved)
