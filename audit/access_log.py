"""Reads of case content go on the same record as changes, as auditlog ACCESS entries."""

from auditlog.models import LogEntry


def record_read(instance, *, part: str) -> LogEntry:
    """Record that the current request's actor read `part` of `instance` (one entry per read)."""
    return LogEntry.objects.log_create(
        instance,
        action=LogEntry.Action.ACCESS,
        changes=None,
        force_log=True,
        additional_data={"part": part},
    )
