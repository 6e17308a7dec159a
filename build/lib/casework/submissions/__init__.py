"""One-time tokens on create forms: a repeated POST creates nothing and shows the same result.

    {% load submissions %}<form method="post">{% csrf_token %}{% submission_token %} ...

    @submissions.once
    def case_note(request, reference): ...

The first POST with a token claims it (an INSERT on a unique column, in the request's
transaction); an identical POST waits for that transaction, then is redirected to the first
one's result. A POST the view refuses (bad input) frees its token, so the corrected form can be
sent. A POST without a token is handled as before: the token protects people from accidents,
and someone who strips it can only duplicate their own work.
"""

import functools
import uuid

from django.db import IntegrityError, transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

FIELD = "submission_token"


def new_token() -> str:
    return str(uuid.uuid4())


def once(view=None, *, on_replay=None):
    """Make a create view idempotent per submission token (see the module docstring).

    `on_replay(request, claim)` restores what the result page needs (the public confirmation
    reads the reference from the session).
    """
    if view is None:
        return functools.partial(once, on_replay=on_replay)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = _token(request)
        if token is None:
            return view(request, *args, **kwargs)
        from casework.models import FormSubmission  # models import nothing from here

        user = request.user if request.user.is_authenticated else None
        try:
            with transaction.atomic():  # a savepoint: a clash leaves the request usable
                claim = FormSubmission.objects.create(token=token, user=user)
        except IntegrityError:
            # An identical POST got here first; its transaction has committed (the INSERT
            # waited for it), so its result is there to show.
            return _replay(request, FormSubmission.objects.get(token=token), user, on_replay)
        response = view(request, *args, **kwargs)
        if response.status_code in (301, 302, 303):
            claim.result_url = response["Location"][:300]
            claim.result_reference = getattr(request, "submitted_reference", "")[:40]
            claim.save(update_fields=["result_url", "result_reference"])
        else:
            claim.delete()  # refused or shown again with errors: nothing was created
        return response

    return wrapper


def _token(request) -> uuid.UUID | None:
    if request.method != "POST" or not request.POST.get(FIELD):
        return None
    try:
        return uuid.UUID(request.POST[FIELD])
    except ValueError:
        return None


def _replay(request, claim, user, on_replay):
    if claim.user_id != (user.pk if user else None) or not claim.result_url:
        # Someone else's token, or one still being processed by a POST that failed: say so.
        return HttpResponseBadRequest(_("This form was already sent. Go back, reload the page "
                                        "and check whether your first submission arrived."))
    if on_replay is not None:
        on_replay(request, claim)
    return redirect(claim.result_url)
