"""Each user's language: chosen on their account page, kept on their Preference row, carried
in the session from sign-in so that pages need no query, and used for their emails too.

Someone with no preference (and every visitor of the public forms) gets the browser's language
through Django's LocaleMiddleware (Accept-Language, or the language cookie).
"""

from django.conf import settings
from django.utils import translation

from casework.accounts.models import Preference

SESSION_KEY = "preferred_language"


def is_offered(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


def preferred_language(user) -> str:
    """The user's chosen language code, or "" for the browser's."""
    language = (Preference.objects.filter(user_id=user.pk)
                .values_list("language", flat=True).first())
    return language if language and is_offered(language) else ""


def remember_in_session(request, user) -> None:
    """Carry the user's preference in their session (at sign-in and when they change it)."""
    language = preferred_language(user)
    if language:
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


def choose(request, language: str) -> None:
    """Store the signed-in user's choice ("" for the browser's) and apply it from now on."""
    Preference.objects.update_or_create(user=request.user, defaults={"language": language})
    remember_in_session(request, request.user)
    translation.activate(language or translation.get_language_from_request(request))
    request.LANGUAGE_CODE = translation.get_language()


def languages_of(user_ids) -> dict:
    """{user id: language code} for the users who chose one (one query, for a batch job)."""
    return {user_id: language for user_id, language in Preference.objects.filter(
        user_id__in=list(user_ids)).exclude(language="").values_list("user_id", "language")
        if is_offered(language)}


def in_language(language: str | None):
    """A context manager: messages made inside it are in `language` (the site's default when
    empty), for emails and notices written outside a request."""
    return translation.override(language or settings.LANGUAGE_CODE)


def for_user(user):
    """in_language() with the user's chosen language."""
    return in_language(preferred_language(user))
