"""Errors as JSON a partner's program can act on, and nothing about the data behind them.

Bad input is a 400 with a message per field (from the same forms and verbs as the pages), a
move someone else made first is a 409, and the unseen is a 404 exactly like the missing.
"""

from django.core.exceptions import ValidationError
from django_fsm import ConcurrentTransition
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler
from rest_framework.views import set_rollback

from casework.refusals import Refused, Stale


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "Someone changed this since you read it; nothing was changed. Read it again."
    default_code = "conflict"


def exception_handler(error, context):
    if isinstance(error, ValidationError):
        error = exceptions.ValidationError(
            error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        )
    elif isinstance(error, (Stale, ConcurrentTransition)):
        error = Conflict()
    elif isinstance(error, Refused):
        error = exceptions.ValidationError({"detail": error.messages})
    response = drf_handler(error, context)
    if response is None:
        return None
    set_rollback()
    return response


def form_errors(form) -> Response:
    """A Django form's errors as a field-by-field 400 (the form's own messages)."""
    return Response({name: [str(m) for m in messages] for name, messages in form.errors.items()},
                    status=400)
