"""A person's sessions: count and end the others, change the password (which ends them too).

Sessions live in the database (Django's default engine). Finding a user's sessions reads the
unexpired ones, which the 30-minute idle limit keeps few; it runs only when someone asks.
"""

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from audit import events


def _session_keys_of(user, *, except_key: str | None = None) -> list[str]:
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == except_key:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            keys.append(session.session_key)
    return keys


def other_session_count(request) -> int:
    return len(_session_keys_of(request.user, except_key=request.session.session_key))


@transaction.atomic
def end_sessions(user, *, actor, except_key: str | None = None) -> int:
    """End every session of `user` (but `except_key`), on the record; return how many."""
    keys = _session_keys_of(user, except_key=except_key)
    Session.objects.filter(session_key__in=keys).delete()
    events.record(events.SESSIONS_ENDED, instance=user, actor=actor, count=len(keys))
    return len(keys)


def end_other_sessions(request) -> int:
    return end_sessions(request.user, actor=request.user, except_key=request.session.session_key)


@transaction.atomic
def change_password(request, new_password: str) -> None:
    user = request.user
    user.set_password(new_password)
    user.save(update_fields=["password"])
    events.record(events.PASSWORD_CHANGED, instance=user, actor=user)
    # The new password changes the session hash, so other sessions fail their next request;
    # deleting them as well means they hold nothing until then.
    end_sessions(user, actor=user, except_key=request.session.session_key)


def end_all_sessions_of(user_id: int, *, actor) -> int:
    """End every session of the user `user_id` (an admin, or a change of powers, asks)."""
    return end_sessions(get_user_model().objects.get(pk=user_id), actor=actor)
