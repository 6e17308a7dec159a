"""Sign-ins, failed sign-ins and sign-outs go on the audit record."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit import events


@receiver(user_logged_in, dispatch_uid="audit-login")
def record_login(sender, request, user, **kwargs):
    events.record(events.LOGIN, instance=user, actor=user)


@receiver(user_logged_out, dispatch_uid="audit-logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        events.record(events.LOGOUT, instance=user, actor=user)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def record_login_failure(sender, credentials, request=None, **kwargs):
    # Only a known account is named: an unknown "user name" is often a mistyped password.
    username = credentials.get("username", "")
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is not None:
        events.record(events.LOGIN_FAILED, instance=user)
    else:
        events.record(events.LOGIN_FAILED, reference="unknown account")
