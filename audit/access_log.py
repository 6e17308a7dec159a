"""Reads of case content go on the same record as changes, as auditlog ACCESS entries.

Reads of a case's records (assessments, plans, notes...) are entered against the case itself,
naming the record read, so "who accessed this case" is one indexed lookup by its reference.
Each entry also says how the reader reached the case (assigned, supervisor, intake, emergency),
judged at the time by casework.access and noted here for the length of the request.
"""

from contextvars import ContextVar

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from audit.correlation import current_request_id

_relations: ContextVar[dict | None] = ContextVar("case_relations", default=None)


def start_request():
    """Give the request its own memo of relations (called by RequestAuditMiddleware)."""
    return _relations.set({})


def end_request(token) -> None:
    _relations.reset(token)


def note_relation(case_id: int, relation: str) -> None:
    relations = _relations.get()
    if relations is not None:
        relations[case_id] = relation


def record_read(instance, *, part: str, on_case: bool = True, **details) -> LogEntry:
    """Record that the current request's actor read `part` of `instance` (one entry per read).

    The entry goes against the case `instance` belongs to, naming the record, unless `on_case`
    is False (a part about the record itself, such as a referral's possible matches).
    `details` must carry no personal data.
    """
    case = _case_of(instance) if on_case else None
    if case is not None:
        if case is not instance:
            details.setdefault("record", f"{instance._meta.model_name} {instance.pk}")
        details.setdefault("relation", (_relations.get() or {}).get(case.pk, "unknown"))
        instance = case
    return LogEntry.objects.log_create(
        instance,
        action=LogEntry.Action.ACCESS,
        changes=None,
        force_log=True,
        additional_data={"part": part, **details},
    )


def _case_of(instance):
    if instance._meta.label == "casework.Case":
        return instance
    # Any record that belongs to a case (a plan, a note, a provider referral, an MDT agenda item).
    if getattr(instance, "case_id", None):
        field = instance._meta.get_field("case")
        if field.is_relation and field.related_model._meta.label == "casework.Case":
            return instance.case
    return None


def record_list_read(records, *, part: str, actor) -> LogEntry | None:
    """Record that a list page showed who these records (of one model) are about.

    One entry per page load, not per row, so a page costs one insert however many rows it has;
    it names the records by reference only: the names shown are never on the record."""
    records = list(records)
    if not records:
        return None
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(records[0])),
        object_pk="",
        object_repr=part[:200],
        action=LogEntry.Action.ACCESS,
        additional_data={"part": part, "records": [record.reference for record in records]},
        actor=actor,
        cid=current_request_id(),
    )
