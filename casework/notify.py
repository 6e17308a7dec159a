"""Telling staff: an in-app notice, and the same words by email, written once for every app.

A notice is a fixed phrase with references and counts, never a name, a date of birth or a
note: it is shown on dashboards and sent by email, where personal data must not go. Callers
pass the phrase; this module adds only the link to the page it is about.
"""

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation


def _notification_model():
    # Looked up by name: the kernel sits below the models and imports none of them.
    return apps.get_model("casework", "Notification")


def post(users, message: str, link: str, *, once: bool = False) -> list:
    """Give each user an in-app notice; return the notices made.

    With `once`, a user who already has this very notice gets no second one (a rerun task).
    """
    notification = _notification_model()
    if not once:
        # Notices are not audited records: one insert for them all.
        return notification.objects.bulk_create(
            [notification(user=user, message=message, link=link) for user in users]
        )
    made = []
    with transaction.atomic():
        for user in users:
            notice, created = notification.objects.get_or_create(
                user=user, message=message, link=link
            )
            if created:
                made.append(notice)
    return made


def email(users, message: str, link: str, *, subject: str) -> None:
    """Send each user with an address the notice by email, one message each (no one sees who
    else was told), with the link to the page as a full address."""
    body = message + "\n" + settings.SITE_URL.rstrip("/") + link
    for user in users:
        if user.email:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])


def notify(users, message, link: str, *, subject, once: bool = False,
           languages: dict | None = None) -> list:
    """Post the notice to each user, then email it to those it was posted to; return the
    notices. Run it outside the transaction of the change it reports (tasks are).

    `message` and `subject` are text, or functions of no argument that write it: then each
    user gets it in their language (`languages`: {user id: code}; the site's default for the
    others), and it is written once per language."""
    by_language: dict[str, list] = {}
    for user in users:
        by_language.setdefault((languages or {}).get(user.pk, ""), []).append(user)
    made = []
    for language, group in by_language.items():
        with translation.override(language or settings.LANGUAGE_CODE):
            text = message() if callable(message) else message
            title = subject() if callable(subject) else subject
        notices = post(group, text, link, once=once)
        email([notice.user for notice in notices], text, link, subject=title)
        made += notices
    return made
