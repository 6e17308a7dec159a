"""Who may do what with subject access requests: privacy officers only, the rest see nothing.

Deny by default: anyone who is not a privacy officer gets 404 on every subject-access page,
before any lookup, so a reference reveals nothing. Among privacy officers: any of them sees
the requests (a second one must be able to decide); the decision is for an officer other than
the one who opened it; the export is for the two who opened and approved it, while the
download window lasts. This is the only place these rules are written.
"""

import datetime

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from casework import access
from casework.models import Case
from privacy.subject_access.models import SubjectAccessRequest

# The one rule for every privacy officer's page (casework.access).
can_handle_subject_access = access.can_handle_privacy_requests


def require_privacy_officer(user) -> None:
    if not can_handle_subject_access(user):
        raise Http404


def searchable_cases(user):
    """The cases a privacy officer's person search runs over: every case, for this purpose only
    (each search and each result is on the audit record); nothing for anyone else."""
    if not can_handle_subject_access(user):
        return Case.objects.none()
    return Case.objects.all()


def access_request(user, reference: str) -> SubjectAccessRequest:
    """The request `reference` if `user` may see it (a privacy officer), else 404."""
    require_privacy_officer(user)
    try:
        return SubjectAccessRequest.objects.select_related(
            "person", "requested_by", "decided_by").get(reference=reference.upper())
    except SubjectAccessRequest.DoesNotExist:
        raise Http404 from None


def may_edit(user, request: SubjectAccessRequest) -> bool:
    """The officer who opened it corrects it while it waits for a decision."""
    return request.is_pending and request.requested_by_id == user.pk


def may_decide(user, request: SubjectAccessRequest) -> bool:
    """A second privacy officer: never the one who opened it."""
    return (request.is_pending and can_handle_subject_access(user)
            and request.requested_by_id != user.pk)


def download_until(request: SubjectAccessRequest) -> datetime.datetime | None:
    if not request.is_approved or request.decided_at is None:
        return None
    return request.decided_at + datetime.timedelta(days=settings.SUBJECT_ACCESS_DOWNLOAD_DAYS)


def may_download(user, request: SubjectAccessRequest, *, now=None) -> bool:
    """Approved, within the download window, by one of the two officers who handled it."""
    until = download_until(request)
    if until is None or (now or timezone.now()) > until:
        return False
    return user.pk in (request.requested_by_id, request.decided_by_id)
