"""A password alone reaches only the second-factor pages and sign-out, on every route."""

import re

from django.contrib.auth import SESSION_KEY
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern

from audit import events
from tests.accounts.conftest import entries, password_only, second_factor

# The routes a half-signed-in session may use, and those public to everyone.
# The security-key ceremonies answer those pages; registration refuses a half-signed-in session
# with a factor already (test_security_keys.py), and a key never signs anyone in on its own.
OPEN_TO_HALF_SIGNED_IN = {
    "mfa-verify", "mfa-setup", "logout",
    "credential-registration-begin", "credential-registration-complete",
    "credential-authentication-begin", "credential-authentication-complete", "js-i18n-catalog",
}
SAMPLES = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000",
           "path": "1"}


def _route_url(pattern) -> str:
    if isinstance(pattern, RegexPattern):
        text = str(pattern.regex.pattern).lstrip("^").replace("\\Z", "").rstrip("$")
        return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "auth" if m[1] == "app_label" else "1",
                      text)
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m[1] or "str"], str(pattern))


def every_route(resolver=None, prefix=""):
    """Yield (name, url) for every route in the URL configuration, the admin site included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        url = prefix + _route_url(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from every_route(entry, url)
        elif isinstance(entry, URLPattern):
            yield entry.name or f"<unnamed {entry.pattern}>", "/" + url


def is_public(url) -> bool:
    return not getattr(resolve(url).func, "login_required", True)


ROUTES = sorted(set(every_route()))


def test_the_walk_covers_the_admin_site_and_the_app():
    names = {name for name, _ in ROUTES}
    assert {"dashboard", "case-detail", "audit-log", "index", "auth_user_changelist"} <= names
    assert len(ROUTES) > 150


def test_a_password_only_session_reaches_only_the_second_factor(client, dana, danas_phone):
    """GET and POST on every non-public route redirect to the second-factor page; after the
    code, the same routes answer on their own terms (never the second-factor page)."""
    guarded = [(n, u) for n, u in ROUTES if not is_public(u) and n not in OPEN_TO_HALF_SIGNED_IN]
    password_only(client, dana)
    leaks = []
    for name, url in guarded:
        for method in (client.get, client.post):
            response = method(url)
            if response.status_code != 302 or not response["Location"].startswith(
                reverse("mfa-verify")
            ):
                leaks.append((name, url, method.__name__, response.status_code))
    assert leaks == []

    second_factor(client, danas_phone)
    still_asked = []
    for name, url in guarded:
        response = client.get(url)
        location = response.get("Location", "")
        if location.startswith((reverse("mfa-verify"), reverse("mfa-setup"))):
            still_asked.append((name, url))
        assert response.status_code != 500, url
    assert still_asked == []
    assert len(guarded) > 150


def test_after_the_password_the_sign_in_asks_for_the_code_then_lands(client, dana, danas_phone):
    response = password_only(client, dana).get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa-verify"))
    assert b"Second factor" in response.content

    session_before = client.cookies["sessionid"].value
    response = client.post(reverse("mfa-verify") + "?next=/", {"code": _code(danas_phone),
                                                                "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies["sessionid"].value != session_before, "session id not rotated"
    assert client.get(reverse("dashboard")).status_code == 200
    assert entries(events.MFA_VERIFIED).filter(actor=dana).count() == 1


def test_a_half_signed_in_session_can_sign_out(client, dana, danas_phone):
    password_only(client, dana)
    assert client.post(reverse("logout")).status_code == 302
    assert SESSION_KEY not in client.session


def test_the_half_signed_in_page_shows_no_navigation(client, dana, danas_phone):
    response = password_only(client, dana).get(reverse("mfa-verify"))
    assert b"My caseload" not in response.content


def _code(device):
    from tests.accounts.conftest import code_for

    return code_for(device)
