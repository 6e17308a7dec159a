"""Cross-cutting hooks only: domain effects belong in casework.workflow."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone


@receiver(user_logged_in)
def remember_login_time(sender, request, user, **kwargs):
    # Read by SessionLifetimeMiddleware to enforce the absolute session lifetime.
    request.session["authenticated_at"] = timezone.now().timestamp()
