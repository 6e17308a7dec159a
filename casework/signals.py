"""Cross-cutting hooks only: domain effects belong in casework.workflow."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver
from django.utils import timezone


@receiver(user_logged_in)
def remember_login_time(sender, request, user, **kwargs):
    # Read by SessionLifetimeMiddleware to enforce the absolute session lifetime; a sign-in
    # also starts the idle limit afresh.
    now = timezone.now().timestamp()
    request.session["authenticated_at"] = request.session["renewed_at"] = now


# Sent by load_demo inside its transaction, once the demo caseload is in, with `team` (the North
# team) and `users` (demo user name -> user): apps built on casework add their part (the mdt
# app, its panel), since casework does not import them.
demo_caseload_loaded = Signal()
