"""Keep a half-signed-in session to the second-factor pages; apply a user's chosen language."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from casework.accounts import languages, mfa

# The pages a half-signed-in session may use (public pages, marked login_not_required, too).
HALF_SIGNED_IN_ROUTES = frozenset({"mfa-verify", "mfa-setup", "logout"})
# The security-key ceremonies answer the verify and setup pages (registration checks for itself
# that the account has no factor yet, or that the session passed one recently).
HALF_SIGNED_IN_NAMESPACES = frozenset({"otp_webauthn"})


class SecondFactorRequiredMiddleware:
    """Send every signed-in request without a second factor to enrolment or verification.

    Runs after LoginRequiredMiddleware, so anonymous requests have already gone to the login page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or mfa.is_verified(request):
            return None
        if not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in HALF_SIGNED_IN_ROUTES and not match.namespace:
            return None
        if match is not None and match.namespace in HALF_SIGNED_IN_NAMESPACES:
            return None
        route = "mfa-verify" if mfa.has_authenticator(request.user) else "mfa-setup"
        target = reverse(route)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


class PreferredLanguageMiddleware:
    """Apply a signed-in user's chosen language, which languages.remember_in_session put in the
    session at sign-in. Runs after LocaleMiddleware, which has already applied the browser's
    language (Accept-Language or the language cookie) and sets Content-Language on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(languages.SESSION_KEY)
        if language and languages.is_offered(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
