"""Subject access, the writes: open a request, correct it, decide it, record each download.

Every step is on the audit record: the request's own create and update entries (auditlog,
encrypted fields masked) and an event naming the step; each download is a read entry against
the person with the format, the digest of what was handed over and the number of records.
"""

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import events
from audit.access_log import record_read
from casework import revisions
from casework.refusals import Refused
from privacy.subject_access import access
from privacy.subject_access.models import SubjectAccessRequest

OPENED = "subject_access_opened"
CHANGED = "subject_access_changed"
APPROVED = "subject_access_approved"
DECLINED = "subject_access_declined"
SEARCHED = "subject_access_search"
EXPORTED = "subject_access_export"


class SubjectAccessRefused(Refused):
    """A step of subject access cannot be taken as asked; nothing was changed."""


SAME_OFFICER = _("You opened this request, so a second privacy officer must decide it.")
ALREADY_DECIDED = _("This request has already been decided.")
NEEDS_REASON = _("Say why you decline the request: the requester will be told.")


def record_search(*, actor, people) -> None:
    """A privacy officer's person search: one read per person shown (the names are on the page),
    and an event with the count. What was typed is never on the record."""
    for found in people:
        record_read(found.person, part="subject access search", on_case=False)
    events.record(SEARCHED, model=SubjectAccessRequest, actor=actor, results=len(people))


@transaction.atomic
def open_request(person, *, actor, received_on, identity_check: str, identity_note: str = "",
                 reason: str) -> SubjectAccessRequest:
    """Open a subject access request for `person`; it waits for a second privacy officer."""
    if not access.can_handle_subject_access(actor):
        raise PermissionDenied
    request = SubjectAccessRequest.objects.create(
        person=person, requested_by=actor, received_on=received_on,
        identity_check=identity_check, identity_note=identity_note.strip(),
        reason=reason.strip(),
    )
    events.record(OPENED, instance=request, actor=actor, person=person.reference)
    return request


@transaction.atomic
def change_request(request: SubjectAccessRequest, *, actor, seen_revision: int | None,
                   **details) -> SubjectAccessRequest:
    """Correct a pending request (its opener only); a stale page is a 409 (StaleEdit)."""
    if not access.may_edit(actor, request):
        raise PermissionDenied
    revisions.check_row(request, seen_revision)
    request.refresh_from_db(fields=["status"])
    if not request.is_pending:
        raise SubjectAccessRefused([ALREADY_DECIDED])
    for name in ("received_on", "identity_check", "identity_note", "reason"):
        if name in details:
            value = details[name]
            setattr(request, name, value.strip() if isinstance(value, str) else value)
    request.save()
    events.record(CHANGED, instance=request, actor=actor)
    return request


def decide_request(request: SubjectAccessRequest, *, actor, approve: bool, note: str = "",
                   seen_revision: int | None) -> SubjectAccessRequest:
    """Approve or decline, as a second privacy officer (never the one who opened it)."""
    if not access.can_handle_subject_access(actor):
        raise PermissionDenied
    if request.requested_by_id == actor.pk:
        # Outside the decision's transaction, so the refusal stays on the record.
        events.record(events.REFUSED, instance=request, actor=actor, reason="same officer")
        raise SubjectAccessRefused([SAME_OFFICER])
    if not approve and not note.strip():
        raise SubjectAccessRefused([NEEDS_REASON])
    with transaction.atomic():
        return _decide(request, actor=actor, approve=approve, note=note,
                       seen_revision=seen_revision)


def _decide(request, *, actor, approve, note, seen_revision):
    revisions.check_row(request, seen_revision)
    request.refresh_from_db(fields=["status"])
    if not request.is_pending:
        raise SubjectAccessRefused([ALREADY_DECIDED])
    request.status = (SubjectAccessRequest.Status.APPROVED if approve
                      else SubjectAccessRequest.Status.DECLINED)
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.save()
    events.record(APPROVED if approve else DECLINED, instance=request, actor=actor,
                  person=request.person.reference)
    return request


@transaction.atomic
def record_download(request: SubjectAccessRequest, *, actor, content: bytes, kind: str,
                    counts: dict[str, int]) -> str:
    """Put one generated and downloaded export on the record: a read entry against the person
    (so "who accessed this record" shows it) naming the request, the format, the SHA-256 of
    the bytes handed over and how many records of each type they held. Return the digest."""
    if not access.may_download(actor, request):
        raise PermissionDenied
    digest = hashlib.sha256(content).hexdigest()
    record_read(request.person, part="subject access export", on_case=False, event=EXPORTED,
                request=request.reference, format=kind, sha256=digest,
                records=sum(counts.values()),
                types={label: n for label, n in counts.items() if n})
    request.downloads = (SubjectAccessRequest.objects.select_for_update()
                         .values_list("downloads", flat=True).get(pk=request.pk)) + 1
    request.save(update_fields=["downloads"])  # a save, not update(): on the change log too
    return digest
