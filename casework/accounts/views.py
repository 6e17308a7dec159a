"""The second-factor pages (reachable with the password alone) and the account page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from casework.accounts import forms, languages, lockouts, mfa, powers, sessions, webauthn
from casework.accounts.stepup import redirect_to_step_up, require_recent_second_factor


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "dashboard"


def mfa_verify(request):
    """Ask for the code from the authenticator (or a recovery code): at sign-in and at step-up."""
    form = forms.CodeForm(request.POST or None)
    has_authenticator = mfa.has_authenticator(request.user)
    status = 200
    if not has_authenticator:
        if request.method != "POST":
            return redirect("mfa-setup")
        form.is_valid()
        form.add_error(None, _("You have no authenticator yet: set one up first."))
        status = 400
    elif request.method == "POST" and form.is_valid():
        try:
            mfa.verify(request, form.cleaned_data["code"],
                       purpose="step_up" if request.POST.get("step_up") else "sign_in")
        except mfa.Throttled as held:
            until = timezone.localtime(held.until).strftime("%H:%M:%S")
            form.add_error("code", _("Too many wrong codes. Try again after %(time)s.")
                           % {"time": until})
            status = 429
        except mfa.CodeRefused:
            form.add_error("code", _("That code is not correct, or it has been used already. "
                                     "Wait for the next code and try again."))
            status = 400
        else:
            return redirect(_next(request))
    elif form.is_bound:
        status = 400
    context = {"form": form, "next": _next(request) if request.GET.get("next") else "",
               "step_up": bool(request.GET.get("step_up") or request.POST.get("step_up")),
               "signed_in": mfa.is_verified(request),
               "has_keys": webauthn.keys_of(request.user).exists()}
    return render(request, "accounts/verify.html", context, status=status)


def mfa_setup(request):
    """Enrol an authenticator app: scan the code, type the first code, keep the recovery codes."""
    if mfa.has_totp(request.user):
        return redirect("account-security" if mfa.is_verified(request) else "mfa-verify")
    if not mfa.may_add_factor(request):
        # Adding a factor is for a person who passed one recently (a password alone never does).
        return redirect_to_step_up(request)
    device = mfa.pending_authenticator(request.user)
    form = forms.EnrolmentForm(request.POST or None)
    status = 400 if form.is_bound else 200
    if form.is_valid():
        try:
            codes = mfa.confirm_authenticator(request, form.cleaned_data["code"])
        except mfa.CodeRefused:
            form.add_error("code", _("That code does not match. Check the app shows this "
                                     "account and type the code it shows now."))
        else:
            return render(request, "accounts/recovery_codes.html",
                          {"codes": codes, "next": _next(request)})
    context = {"form": form, "qr": mfa.qr_data_uri(device), "secret": mfa.manual_key(device),
               "next": _next(request) if request.GET.get("next") else ""}
    return render(request, "accounts/setup.html", context, status=status)


@require_GET
def account_security(request):
    """Your sign-in: the second factor, recovery codes, password, other sessions."""
    return render(request, "accounts/security.html", _security_context(request))


def _security_context(request) -> dict:
    return {
        "language_form": forms.LanguageForm(
            initial={"language": languages.preferred_language(request.user)}),
        "has_authenticator": mfa.has_authenticator(request.user),
        "has_totp": mfa.has_totp(request.user),
        "keys": webauthn.keys_of(request.user),
        "codes_left": mfa.recovery_codes_left(request.user),
        "other_sessions": sessions.other_session_count(request),
    }


@login_not_required
@require_POST
def language_visitor(request):
    """A visitor's language (the public forms, the sign-in page): Django's set_language keeps it
    in the language cookie and sends them back to the page (`next`, this site's only). The
    cookie is all it writes, so it answers 303 See Other. Signed-in users choose on their
    account page, which keeps the choice for every sign-in."""
    response = set_language(request)
    if response.status_code == 302:
        response.status_code = 303
    return response


@require_POST
def account_language(request):
    """Choose the language of your pages and emails; it holds at every sign-in, and this
    browser keeps it (the language cookie) for the sign-in page too."""
    form = forms.LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["language"][0])
        return render(request, "accounts/security.html", _security_context(request), status=400)
    language = form.cleaned_data["language"]
    languages.choose(request, language)
    messages.success(request, _("Your language is saved."))
    response = redirect("account-security")
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH,
                               domain=settings.LANGUAGE_COOKIE_DOMAIN)
    return response


@require_POST
@require_recent_second_factor
def mfa_recovery_codes(request):
    """Replace your recovery codes (the old ones stop working) and show the new ones once."""
    if not mfa.has_authenticator(request.user):
        messages.error(request, _("Set up an authenticator before recovery codes."))
        return render(request, "accounts/security.html", _security_context(request), status=400)
    codes = mfa.new_recovery_codes(request.user, actor=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "dashboard"})


@require_recent_second_factor
def password_change(request):
    """Change your password: the old one, a second factor within the step-up window, a new one.

    Every other session of yours ends (Django's session hash changes); this one carries on.
    """
    form = forms.PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        sessions.change_password(request, form.cleaned_data["new_password"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password is changed. Your other sessions have ended."))
        return redirect("account-security")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@require_POST
def sign_out_other_sessions(request):
    ended = sessions.end_other_sessions(request)
    messages.success(request, ngettext("Signed out of %(count)d other session.",
                                       "Signed out of %(count)d other sessions.", ended)
                     % {"count": ended})
    return redirect("account-security")


@require_GET
def account_lockouts(request):
    """Sign-in locks in force, for a system admin to release (paginated: one query a page)."""
    if not powers.may_administer(request.user):
        raise PermissionDenied
    page = Paginator(lockouts.current_lockouts(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/lockouts.html", {"page": page})


@require_POST
def account_lockout_release(request, attempt_id):
    if not powers.may_administer(request.user):
        raise PermissionDenied
    lockouts.release(attempt_id, actor=request.user)
    messages.success(request, _("Lock released."))
    return redirect("account-lockouts")
