"""The auditor's log search: entries by actor, record reference or action, newest first, on a
cursor (the log is millions of rows). No case content: the entries are what the log holds."""

from auditlog.models import LogEntry
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from api import scopes
from api.base import ListView
from api.pagination import NewestFirst
from audit import events, selectors
from casework import access

ACTIONS = {"create": LogEntry.Action.CREATE, "update": LogEntry.Action.UPDATE,
           "delete": LogEntry.Action.DELETE, "access": LogEntry.Action.ACCESS}


class EntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    model = serializers.CharField(source="content_type.model")
    action = serializers.SerializerMethodField()

    class Meta:
        model = LogEntry
        fields = ("id", "timestamp", "actor", "action", "model", "object_repr", "changes",
                  "additional_data", "remote_addr", "cid")

    def get_action(self, entry) -> str:
        return {value: name for name, value in ACTIONS.items()}.get(entry.action, "")


class AuditEntryList(ListView):
    """Filters: `actor` (user name), `reference` (a record's reference), `action`."""

    serializer_class = EntrySerializer
    pagination_class = NewestFirst
    required_scopes = {"GET": scopes.AUDIT_READ}

    def get_queryset(self):
        user = self.request.user
        if not access.can_read_audit_log(user):
            raise PermissionDenied
        params = self.request.query_params
        entries = selectors.entries()
        if params.get("actor"):
            entries = entries.filter(actor__username=params["actor"][:150])
        if params.get("reference"):
            entries = entries.filter(object_repr=params["reference"][:200])
        if params.get("action") in ACTIONS:
            entries = entries.filter(action=ACTIONS[params["action"]])
        events.record(events.AUDIT_LOOKED, instance=user, actor=user, page="api log search",
                      filters=sorted(k for k in ("actor", "reference", "action") if k in params))
        return entries
