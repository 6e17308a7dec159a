"""Optimistic locking for records people edit: a save based on a stale page writes nothing.

A record carries `revision`, shown in its form as a hidden field and bumped by every save. The
workflow checks the posted revision inside its transaction, with the row (or its case) locked,
so of two saves made from the same page exactly one passes and the other gets StaleEdit: the
view answers 409 with the person's text kept and the record as it now is.
"""

from django.utils.translation import gettext_lazy as _

from casework.refusals import Stale

FIELD = "revision"
NEW = -1  # the form was shown before the record existed (a first assessment draft)


def new_marker(existing: int = 0) -> int:
    """The revision a page shows for a record not created yet, when `existing` siblings exist
    (completed assessment versions): a sibling completed meanwhile makes the page stale too."""
    return NEW - existing


class StaleEdit(Stale):
    """Someone saved the record after this person's page was shown; `current` is the record as
    saved now (None: discarded since)."""

    # `messages`: for a form whose text is kept and shown beside the saved version.
    default_message = _("Someone else saved this since you opened the page, so nothing of yours "
                        "was saved. Your text is still in the form below; the saved version is "
                        "shown beside it. Compare them, then save again to keep yours.")
    # For a button with nothing typed behind it (withdraw, mark done, publish, remove).
    changed_message = _("Someone else changed this since you opened the page, so nothing was "
                        "changed. The page now shows it as saved: check it, then try again.")

    def __init__(self, current=None):
        super().__init__()
        self.current = current

    @property
    def changed_messages(self):
        return [str(self.changed_message)]


def seen(request) -> int | None:
    """The revision the person's page showed, or None if the form sent none."""
    value = request.POST.get(FIELD, "").strip()
    try:
        return int(value)
    except ValueError:
        return None


def check(current, seen_revision: int | None, *, new: int = NEW) -> None:
    """Raise StaleEdit unless `current` (None: not created yet, shown as `new`) is the revision
    the page saw, then count this save. Call with the row or its parent locked, before writing."""
    if seen_revision is not None:
        now = new if current is None else current.revision
        if now != seen_revision:
            raise StaleEdit(current)
    if current is not None:
        current.revision += 1


def check_row(instance, seen_revision: int | None) -> None:
    """Lock `instance`'s row, refresh its revision, then check as `check` does."""
    stored = (type(instance).objects.select_for_update().filter(pk=instance.pk)
              .values_list(FIELD, flat=True).get())
    instance.revision = stored
    check(instance, seen_revision)
