"""The security-key ceremonies: django-otp-webauthn's JSON views, held to our rules.

The library's own JavaScript (served from /static/, so the CSP stays strict) calls these under the
`otp_webauthn` namespace its template tags expect. We change four things: who may register
(mfa.may_add_factor, not django-otp's OTPMiddleware flag, which this project does not use), what a
used key counts for (webauthn.used: our session mark and the record), no sign-in by key alone, and
a record of every refusal.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as library
from django_otp_webauthn.utils import rewrite_exceptions

from casework.accounts import mfa, webauthn
from casework.accounts.stepup import require_recent_second_factor

NEW_CODES = "webauthn_new_recovery_codes"


class _Recorded:
    stage = "authentication"  # or "registration"

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            webauthn.refused(self.request, stage=self.stage, code=exc.code)
        return super().handle_exception(exc)


class _MayRegister:
    def _check_user_verified(self, user):
        if not mfa.may_add_factor(self.request):
            raise exceptions.NotVerified(detail=_(
                "Confirm it is you with your second factor first, then add the key."))


class BeginRegistration(_Recorded, _MayRegister, library.BeginCredentialRegistrationView):
    stage = "registration"


class CompleteRegistration(_Recorded, _MayRegister, library.CompleteCredentialRegistrationView):
    stage = "registration"

    def post(self, *args, **kwargs):
        state = self.get_state()  # popped first: a challenge is answered once
        with rewrite_exceptions(logger=library._get_pywebauthn_logger()):
            credential = self.get_helper().register_complete(
                user=self.request.user, state=state, data=self.request.data)
        codes = webauthn.registered(self.request, credential)
        if codes:
            # Shown once by webauthn_added, which pops them.
            self.request.session[NEW_CODES] = codes
        return library.JsonResponse({"id": credential.pk})


class BeginAuthentication(_Recorded, library.BeginCredentialAuthenticationView):
    def check_can_authenticate(self):
        if not self.request.user.is_authenticated:  # a key is a second factor, never the first
            raise exceptions.PasswordlessLoginDisabled()
        super().check_can_authenticate()


class CompleteAuthentication(_Recorded, library.CompleteCredentialAuthenticationView):
    def check_can_authenticate(self):
        if not self.request.user.is_authenticated:
            raise exceptions.PasswordlessLoginDisabled()
        super().check_can_authenticate()

    def complete_auth(self, device):
        webauthn.used(self.request, device)


@require_GET
@require_recent_second_factor
def webauthn_add(request):
    """The page with the button that asks the browser for a new key (or passkey)."""
    return render(request, "accounts/webauthn_add.html")


@require_GET
def webauthn_added(request):
    """Where the page goes once the key is saved: the recovery codes at a first enrolment."""
    codes = request.session.pop(NEW_CODES, None)
    if codes:
        return render(request, "accounts/recovery_codes.html",
                      {"codes": codes, "next": "dashboard"})
    messages.success(request, _("Your security key is added."))
    return redirect("account-security")


@require_POST
@require_recent_second_factor
def webauthn_remove(request, credential_id):
    """Take a key off your account (a recent second factor first; never the last factor)."""
    try:
        webauthn.remove(request.user, credential_id, actor=request.user)
    except webauthn.LastFactor:
        messages.error(request, _("This is your only second factor. Add an authenticator app "
                                  "or another key first, then remove this one."))
        return redirect("account-security")
    messages.success(request, _("The security key is removed."))
    return redirect("account-security")
