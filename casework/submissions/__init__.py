"""One-time tokens on create forms: a repeated POST creates nothing and shows the same result.

    {% load submissions %}<form method="post">{% csrf_token %}{% submission_token %} ...

    @submissions.once
    def case_note(request, reference): ...

The first POST with a token claims it (an INSERT on a unique column, in the request's
transaction); an identical POST waits for that transaction, then is redirected to the first
one's result. A POST the view refuses (bad input) frees its token, so the corrected form can be
sent.

A POST without a token (or with one that is not a UUID) creates nothing: nothing can tell a
repeat of it from a first send. The answer is 400 and a page that keeps what was typed, as
hidden fields of a form with a fresh token, so one click sends it again, knowingly: a page
opened before tokens existed, a form someone stripped, a script that sends none. A script may
send a UUID of its own making (`new_token()`): the server only asks that each one be new.
"""

import functools
import uuid

from django.db import IntegrityError, transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
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
        if request.method != "POST":
            return view(request, *args, **kwargs)
        token = _token(request)
        if token is None:
            return _resend_page(request)
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

    wrapper.once = True  # tests/casework/test_submissions.py finds every create view by it
    return wrapper


def _token(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def _resend_page(request):
    """Nothing saved: what was typed, in a form with a fresh token, to send again on purpose.

    A file cannot be carried over; the page asks for it again instead. The page holds what the
    person typed, so no cache may keep it.
    """
    fields = [(name, value) for name, values in request.POST.lists()
              if name not in (FIELD, "csrfmiddlewaretoken") for value in values]
    context = {"action": request.get_full_path(), "fields": fields,
               "had_file": bool(request.FILES), "token": new_token()}
    response = render(request, "errors/resend.html", context, status=400)
    add_never_cache_headers(response)
    return response


def _replay(request, claim, user, on_replay):
    if claim.user_id != (user.pk if user else None) or not claim.result_url:
        # Someone else's token, or one still being processed by a POST that failed: say so.
        return HttpResponseBadRequest(_("This form was already sent. Go back, reload the page "
                                        "and check whether your first submission arrived."))
    if on_replay is not None:
        on_replay(request, claim)
    return redirect(claim.result_url)
