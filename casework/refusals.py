"""The one family of refusals: an action cannot be taken as asked, and nothing was changed.

Each workflow names its own (casework.workflow.TransitionRefused, referrals.workflow.
ScreeningRefused, referrals.outgoing.ReferralRefused) so callers can tell them apart; views
show `messages` beside the form. A Stale refusal means someone else changed the record since
the page was loaded: the page answers 409 and keeps what was typed.
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
