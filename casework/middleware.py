"""Session lifetime and response headers that apply to every page."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect


class SessionLifetimeMiddleware:
    """Log out sessions older than SESSION_ABSOLUTE_SECONDS, however active they are.

    The idle limit is SESSION_COOKIE_AGE from the last renewal; a signed-in request renews it
    when the last renewal is more than SESSION_RENEW_SECONDS old (marking the session modified
    makes SessionMiddleware save it with a new expiry), so a session idles out between
    SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS and SESSION_COOKIE_AGE after its last request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get("authenticated_at", 0)
            now = time.time()
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(settings.LOGIN_URL)
            if now - request.session.get("renewed_at", 0) > settings.SESSION_RENEW_SECONDS:
                request.session["renewed_at"] = now
        return self.get_response(request)


PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


class ResponseHeadersMiddleware:
    """No caching of anything a signed-in person sees; isolation headers on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated or request.method != "GET":
            response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
