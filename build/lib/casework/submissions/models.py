"""One row per submitted create form: its one-time token and where its result is shown.

Registered under the casework app label (casework/models.py imports this module).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["FormSubmission"]


class FormSubmission(models.Model):
    """A create form's one-time token, claimed by the first POST that carries it.

    The unique token makes a second POST (a double click, a resubmit after a slow network, the
    back button) wait for the first one's transaction, then find this row and be shown the same
    result instead of creating the thing again.
    """

    token = models.UUIDField(unique=True)
    # None for the public forms.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Where the first POST sent the browser, and a reference the result page needs (the public
    # confirmation shows the referral's reference from the session, never from the URL).
    result_url = models.CharField(max_length=300, blank=True)
    result_reference = models.CharField(max_length=40, blank=True)

    def __str__(self):
        return f"form submission {self.pk}"
