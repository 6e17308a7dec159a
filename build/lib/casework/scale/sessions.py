"""Sign a person in by creating their session directly, the one place the instruments do it.

The measurements and the load test skip the sign-in form on purpose: it is not what they
measure, and it will gain a second factor. When it does, set here whatever the verified state
needs (for example the OTP device the middleware expects), and every instrument follows.
"""

import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.module_loading import import_string

BACKEND = "django.contrib.auth.backends.ModelBackend"


def create_session(user) -> str:
    """Store a signed-in session for `user` and return its key (the session cookie's value)."""
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # Read by casework.middleware.SessionLifetimeMiddleware (set at sign-in by casework.signals).
    store["authenticated_at"] = time.time()
    store.create()
    return store.session_key


def sign_in(client, user) -> None:
    """Give a django.test.Client the cookie of a fresh session for `user`."""
    client.cookies[settings.SESSION_COOKIE_NAME] = create_session(user)
