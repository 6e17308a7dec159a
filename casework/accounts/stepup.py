"""Step-up: sensitive actions ask for the second factor again once it is MFA_STEP_UP_SECONDS old."""

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from audit import events
from casework.accounts import mfa


def require_recent_second_factor(view):
    """Send the person to confirm their second factor first, then back to this page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if mfa.is_fresh(request):
            return view(request, *args, **kwargs)
        return redirect_to_step_up(request)

    return wrapper


def redirect_to_step_up(request):
    messages.info(request, _("Confirm it is you with your second factor to continue."))
    back = request.get_full_path() if request.method == "GET" else request.path
    return redirect(reverse("mfa-verify") + "?" + urlencode({"next": back, "step_up": 1}))


def record_failed_step_up(request) -> None:
    """A wrong password at step-up: on the record, and one failure toward the sign-in lock."""
    events.record(events.STEP_UP_FAILED, instance=request.user, actor=request.user,
                  path=request.path)
    # django-axes counts this like a failed sign-in for this user name from this address.
    user_login_failed.send(sender=__name__, request=request,
                           credentials={"username": request.user.get_username()})
