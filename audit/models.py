# The audit record is django-auditlog's LogEntry; this app extends it without models of its own.
