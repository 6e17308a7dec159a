"""The admin site's MDT pages: who sits on which panel, and when it meets.

Meetings, agendas and minutes carry case content and stay in the MDT pages, never here. A seat
is a power: adding one waits for a second admin (casework.accounts.powers).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from casework.accounts.admin import NoSelfChangeInline
from casework.workflow import TransitionRefused
from mdt import workflow
from mdt.models import Panel, PanelMember


def save_panel_seats(request, formset) -> None:
    """Save a panel's seats: a new seat, a seat back in use or a new role waits for a second
    admin (a seat opens the agenda cases' summaries); ending or deleting one is immediate."""
    instances = formset.save(commit=False)
    for member in formset.deleted_objects:
        workflow.remove_panel_seat(member, actor=request.user, delete=True)
    for member in instances:
        was = PanelMember.objects.filter(pk=member.pk).values("role", "is_active").first()
        if not member.is_active:
            if was and was["is_active"]:
                workflow.remove_panel_seat(member, actor=request.user)
            continue
        if was and was["is_active"] and was["role"] == member.role:
            member.save()  # nothing about the power changed
            continue
        try:
            pending = workflow.request_panel_seat(member.user, member.panel, role=member.role,
                                                  actor=request.user)
        except TransitionRefused as refused:
            messages.error(request, " ".join(str(m) for m in refused.messages))
            continue
        if pending is not None:
            messages.warning(request, _("%(user)s gets %(power)s when a second admin approves "
                                        "it (Power requests).") % {
                "user": member.user.get_username(), "power": pending.power})
    formset.save_m2m()


class PanelMemberInline(NoSelfChangeInline):
    model = PanelMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["name", "weekday", "time", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["teams"]
    inlines = [PanelMemberInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is PanelMember:
            return save_panel_seats(request, formset)  # a new seat waits for a second admin
        return super().save_formset(request, form, formset, change)
