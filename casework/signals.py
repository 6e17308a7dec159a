"""Cross-cutting hooks only: domain effects belong in casework.workflow."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone


@receiver(user_logged_in)
def remember_login_time(sender, request, user, **kwargs):
    # Read by SessionLifetimeMiddleware to enforce the absolute session lifetime; a sign-in
    # also starts the idle limit afresh.
    now = timezone.now().timestamp()
    request.session["authenticated_at"] = request.session["renewed_at"] = now
