"""Walk the pages a signed-in user can reach by following links, and check their markup.

Shared by the id test (Django's test client) and the browser's accessibility pass (which visits
the same addresses in Chromium). Only GET links inside the site are followed; query strings are
dropped (a page's filters and later pages use the same template as the page itself), and so are
the admin site, the API, static files and downloads.
"""

from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.urls import Resolver404, resolve

# Not pages of this project's templates, or not HTML.
SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/logout/")
PAGE_LIMIT = 80


class PageMarkup(HTMLParser):
    """The ids, label targets and links of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.label_targets: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if tag == "label" and attributes.get("for"):
            self.label_targets.append(attributes["for"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    handle_startendtag = handle_starttag


def parse(html: str) -> PageMarkup:
    markup = PageMarkup()
    markup.feed(html)
    markup.close()
    return markup


def markup_problems(html: str) -> list[str]:
    """Duplicate ids, and labels whose `for` names no element on the page."""
    markup = parse(html)
    ids = Counter(markup.ids)
    problems = [f"id {name!r} appears {count} times" for name, count in ids.items() if count > 1]
    problems += [
        f"label for {target!r} points at no element"
        for target in markup.label_targets
        if target not in ids
    ]
    return problems


def _local_path(href: str) -> str | None:
    href, _ = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path


def _route(path: str) -> str:
    try:
        return resolve(path).route
    except Resolver404:
        return path


def reachable_pages(
    client, start: str = "/", *, limit: int = PAGE_LIMIT, per_route: int = 5
) -> dict[str, str]:
    """Each HTML page reachable from `start` by links (breadth first): {path: html}.

    At most `per_route` pages of one address pattern (case pages in different stages, not all
    fifty of a caseload), and `limit` pages in all.
    """
    pages: dict[str, str] = {}
    queue, seen = [start], {start}
    routes: Counter[str] = Counter()
    while queue and len(pages) < limit:
        path = queue.pop(0)
        route = _route(path)
        if routes[route] >= per_route:
            continue
        routes[route] += 1
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[path] = html
        for href in parse(html).links:
            target = _local_path(href)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    return pages
