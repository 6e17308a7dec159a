"""The admin site's account pages, held to the rules in powers.py.

Nobody edits their own powers here; the superuser and staff flags are read-only (staff follows the
admin role); a powerful group or a team's supervision becomes a pending request that a second
admin approves under "Power requests".
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.accounts import mfa, powers, sessions
from casework.accounts.models import PowerRequest
from casework.models import TeamMembership
from casework.panels.models import PanelMember
from casework.refusals import Refused

User = get_user_model()


class NoSelfChangeFormSet(BaseInlineFormSet):
    """An inline of memberships that refuses any row about the person editing."""

    request = None  # set per request by NoSelfChangeInline.get_formset

    def clean(self):
        super().clean()
        me = self.request.user.pk
        for form in self.forms:
            if not (form.has_changed() or self._should_delete_form(form)):
                continue
            chosen = getattr(form.cleaned_data.get("user"), "pk", None)
            if me in {chosen, form.instance.user_id if form.instance.pk else None}:
                raise ValidationError(_("You cannot change your own memberships; another "
                                        "admin must do it."))


class NoSelfChangeInline(admin.TabularInline):
    formset = NoSelfChangeFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        return formset


def save_team_memberships(request, formset) -> None:
    """Save a team's membership rows; a new supervisor waits for a second admin."""
    supervisor = TeamMembership.Role.SUPERVISOR
    instances = formset.save(commit=False)
    for membership in formset.deleted_objects:
        membership.delete()
    for membership in instances:
        was = TeamMembership.objects.filter(pk=membership.pk).values_list("role", flat=True)
        if membership.role == supervisor and (not membership.pk or was.first() != supervisor):
            powers.request_power(membership.user, actor=request.user, team=membership.team)
            messages.warning(request, _("%(user)s becomes a supervisor of %(team)s when a "
                                        "second admin approves it.") % {
                "user": membership.user.get_username(), "team": membership.team})
            if not membership.pk:
                continue
            membership.role = was.first()
        membership.save()
    formset.save_m2m()


def save_panel_seats(request, formset) -> None:
    """Save a panel's seats: a new seat, a seat back in use or a new role waits for a second
    admin (a seat opens the agenda cases' summaries); ending or deleting one is immediate."""
    instances = formset.save(commit=False)
    for member in formset.deleted_objects:
        powers.remove_panel_seat(member, actor=request.user, delete=True)
    for member in instances:
        was = PanelMember.objects.filter(pk=member.pk).values("role", "is_active").first()
        if not member.is_active:
            if was and was["is_active"]:
                powers.remove_panel_seat(member, actor=request.user)
            continue
        if was and was["is_active"] and was["role"] == member.role:
            member.save()  # nothing about the power changed
            continue
        try:
            pending = powers.request_panel_seat(member.user, member.panel, role=member.role,
                                                actor=request.user)
        except Refused as refused:
            messages.error(request, " ".join(str(m) for m in refused.messages))
            continue
        if pending is not None:
            messages.warning(request, _("%(user)s gets %(power)s when a second admin approves "
                                        "it (Power requests).") % {
                "user": member.user.get_username(), "power": pending.power})
    formset.save_m2m()


admin.site.unregister(User)
# django-otp's own device pages would show every TOTP key, QR code and recovery code, and let an
# admin give any account a factor (their own included), off the record. Factors are each
# person's own (/account/); an admin may only reset them (the action below).
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


@admin.register(User)
class AccountAdmin(UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (gettext_lazy("Powers"), {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_filter = ("is_active", "groups")
    actions = ["end_sessions", "reset_second_factors"]

    def get_readonly_fields(self, request, obj=None):
        fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            fields += ["is_active", "groups"]  # nobody changes their own powers
        return fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            sessions.end_sessions(obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        if groups is None:
            return
        for pending in powers.change_groups(form.instance, groups, actor=request.user):
            messages.warning(request, _("%(user)s gets %(power)s when a second admin approves "
                                        "it (Power requests).") % {
                "user": form.instance.get_username(), "power": pending.power})

    @admin.action(description=gettext_lazy("End all sessions of the selected users"))
    def end_sessions(self, request, queryset):
        for user in queryset:
            sessions.end_sessions(user, actor=request.user)
        messages.success(request, _("Their sessions have ended."))

    @admin.action(description=gettext_lazy("Reset the second factors of the selected users"))
    def reset_second_factors(self, request, queryset):
        """For a person who lost both the app and the codes: they enrol again at sign-in."""
        if not mfa.is_fresh(request):
            messages.error(request, _("Confirm your second factor first (Your sign-in, or sign "
                                      "in again), then reset."))
            return
        for user in queryset:
            if user.pk == request.user.pk:
                messages.error(request, _("You cannot reset your own second factors."))
                continue
            mfa.reset_factors(user, actor=request.user)
        messages.success(request, _("Done: they set up a second factor at their next sign-in."))


@admin.register(PowerRequest)
class PowerRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "power", "requested_by", "requested_at", "status", "decided_by"]
    list_filter = ["status"]
    actions = ["approve", "refuse"]
    list_select_related = ["user", "group", "team", "panel", "requested_by", "decided_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def _decide(self, request, queryset, decide, done):
        if not mfa.is_fresh(request):
            messages.error(request, _("Confirm your second factor first (Your sign-in, or sign "
                                      "in again), then decide."))
            return
        for power_request in queryset:
            try:
                decide(power_request, actor=request.user)
            except powers.ApprovalRefused:
                messages.error(request, _("Request %(id)s: decided already, or you asked for it "
                                          "or it is for you; another admin must decide.")
                               % {"id": power_request.pk})
            else:
                messages.success(request, done % {"id": power_request.pk})

    @admin.action(description=gettext_lazy("Approve the selected requests"))
    def approve(self, request, queryset):
        self._decide(request, queryset, powers.approve, _("Request %(id)s approved."))

    @admin.action(description=gettext_lazy("Refuse the selected requests"))
    def refuse(self, request, queryset):
        self._decide(request, queryset, powers.refuse, _("Request %(id)s refused."))
