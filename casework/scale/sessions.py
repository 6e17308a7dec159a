"""Sign a person in by creating their session directly, the one place the instruments do it.

The measurements and the load test skip the sign-in form and its second factor on purpose: they
are not what they measure. What a fully signed-in session holds is in docs/authentication.md.
"""

import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.module_loading import import_string

from casework.accounts import mfa

BACKEND = "django.contrib.auth.backends.ModelBackend"


def create_session(user) -> str:
    """Store a signed-in session for `user` and return its key (the session cookie's value)."""
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # Read by casework.middleware.SessionLifetimeMiddleware (set at sign-in by casework.signals).
    store["authenticated_at"] = store["renewed_at"] = time.time()
    # The second factor, as casework.accounts.mfa.mark_verified records it.
    store[mfa.SESSION_VERIFIED_AT] = time.time()
    store.create()
    return store.session_key


def sign_in(client, user) -> None:
    """Give a django.test.Client the cookie of a fresh session for `user`."""
    client.cookies[settings.SESSION_COOKIE_NAME] = create_session(user)
