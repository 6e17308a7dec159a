"""Dead letters and the backlog, for the system admin. Rows hold task names and ids only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from casework.outbox import delivery
from casework.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["pk", "task", "status", "attempts", "created_at", "next_attempt_at",
                    "last_error"]
    list_filter = ["status", "task"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["requeue"]

    def has_add_permission(self, request):
        return False  # only the workflow writes side effects

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a dead letter is evidence: requeue it, never drop it

    @admin.action(description=_("Retry the selected dead letters"), permissions=["view"])
    def requeue(self, request, queryset):
        dead = list(queryset.filter(status=OutboxMessage.Status.DEAD))
        for message in dead:
            delivery.requeue(message)
        self.message_user(request, ngettext("%(n)d message will be retried.",
                                            "%(n)d messages will be retried.", len(dead))
                          % {"n": len(dead)}, messages.SUCCESS)
