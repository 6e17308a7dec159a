"""The one family of refusals: an action cannot be taken as asked, and nothing was changed.

A verb raises `Refused` with messages a person can act on ("Write the note."); a workflow names
its own kinds where callers tell them apart (casework.workflow.TransitionRefused for a change of
state, referrals.workflow.ScreeningRefused, referrals.outgoing.ReferralRefused,
providers.workflow.DirectoryChangeRefused). A `Stale` refusal means someone else changed the
record since the page was loaded (casework.revisions.StaleEdit, casework.workflow.StaleCase,
...). A view answers every refusal the same way, with `page_again`: the page drawn again with
the messages in the refusal box (templates/includes/refusal.html) and what was typed kept,
400, or 409 for a Stale one.
"""

from django.utils.translation import gettext_lazy as _


class Refused(Exception):
    """`messages` say what to change, in words a person can act on."""

    def __init__(self, messages=()):
        self.messages = [str(m) for m in messages]
        super().__init__("; ".join(self.messages))


class Stale(Refused):
    """Someone else changed the record since the page was loaded; nothing was changed."""

    default_message = _("Someone else changed this since you opened the page, so nothing was "
                        "changed. Look at it again, then try again.")

    def __init__(self, messages=()):
        super().__init__(messages or [self.default_message])


def status_for(refusal: Refused) -> int:
    """The status a page answers a refusal with: 409 when the record changed since, else 400."""
    return 409 if isinstance(refusal, Stale) else 400


def page_again(page, refusal: Refused, *args, **kwargs):
    """Answer `refusal` with the page the request came from: `page(*args, **kwargs)` drawn
    again with the refusal's messages as its errors (unless `errors` is given) and its status.

    Pass the bound forms along, so what was typed stays in them.
    """
    kwargs.setdefault("errors", refusal.messages)
    return page(*args, status=status_for(refusal), **kwargs)
