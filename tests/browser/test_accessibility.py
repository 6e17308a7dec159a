"""axe-core (WCAG 2.1 A and AA rules) finds nothing on any page a demo role can reach, nor on the
public pages, in each language the site offers.

axe-core is vendored (tests/browser/vendor/axe-core, its licence beside it): the browser tests
need nothing from outside. It is evaluated in the page through the browser's debugging protocol,
which the Content-Security-Policy does not govern, so the policy stays exactly as served.
"""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from casework.management.commands.load_demo import USERS
from tests.browser.pages import pages_of, share_session, signed_in_client

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.10.3"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Every language the site is crawled in; Accept-Language picks it, as a browser would.
LANGUAGES = ["en", "es"]
PUBLIC_PAGES = ["/login/", "/referrals/public/", "/referrals/bias-report/", "/published/"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    source = AXE.read_text()
    assert re.search(rf"axe v{re.escape(AXE_VERSION)}\b", source[:500]), "vendored axe-core moved"
    return source


def violations(page: Page, axe_source: str) -> list[dict]:
    page.evaluate(axe_source)
    return page.evaluate(RUN_AXE, WCAG_21_AA)


def check_pages(page: Page, axe_source: str, paths) -> dict:
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        if problems := violations(page, axe_source):
            found[path] = problems
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_nothing_on_the_pages_each_role_reaches(
    page: Page, demo, live_server, axe_source, language
):
    """Every demo role in turn (one demo load per language: it is the slow part)."""
    page.set_extra_http_headers({"Accept-Language": language})
    found, counts = {}, {}
    for username, _role in USERS:
        client = signed_in_client(username)
        paths = pages_of(client, per_route=2)
        assert len(paths) > 1, username
        share_session(page, client, live_server.url)
        counts[username] = len(paths)
        found.update({f"{username} {path}": problems
                      for path, problems in check_pages(page, axe_source, paths).items()})
    print(f"axe-core {AXE_VERSION}, {language}: pages per role {counts}")
    assert found == {}, json.dumps(found, indent=1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_nothing_on_the_public_pages(page: Page, live_server, axe_source, language):
    page.set_extra_http_headers({"Accept-Language": language})
    found = check_pages(page, axe_source, PUBLIC_PAGES)
    assert found == {}, json.dumps(found, indent=1)


def test_the_check_reports_what_it_finds(page: Page, axe_source):
    """The pass above would also pass if axe-core ran no rule: a page with known faults fails."""
    page.set_content('<html lang="en"><body><main><img src="x.png">'
                     '<input type="text"></main></body></html>')
    rules = {problem["rule"] for problem in violations(page, axe_source)}
    assert {"image-alt", "label"} <= rules
