"""Admin manages teams, accounts and the assessment instruments; case content is never here.

Instruments are versioned: a published version is read-only, because completed assessments
point at its factors. To change the framework, copy the current version to a new draft (an
action below), edit the draft's domains and factors, and publish it.
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from casework.accounts.admin import NoSelfChangeInline, save_team_memberships
from casework.models import Domain, Factor, Instrument, Team, TeamMembership
from casework.workflow import copy_instrument
from providers.models import Service


class TeamMembershipInline(NoSelfChangeInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    inlines = [TeamMembershipInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is TeamMembership:
            return save_team_memberships(request, formset)  # a new supervisor waits for approval
        return super().save_formset(request, form, formset, change)


class FrozenWhenPublished:
    """Read-only once the instrument is published."""

    def _instrument(self, obj):
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._instrument(obj).is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._instrument(obj).is_published:
            return False
        return super().has_delete_permission(request, obj)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ["order", "code", "title", "kind", "pathway"]
    show_change_link = True

    def _frozen(self, obj):
        return obj is not None and obj.is_published

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Instrument)
class InstrumentAdmin(FrozenWhenPublished, admin.ModelAdmin):
    list_display = ["name", "key", "version", "published_at", "retired_at"]
    list_filter = ["key"]
    readonly_fields = ["published_at", "retired_at", "created_at"]
    inlines = [DomainInline]
    actions = ["copy_to_new_draft", "publish", "retire"]

    def _instrument(self, obj):
        return obj

    @admin.action(description=_("Copy to a new draft version"))
    def copy_to_new_draft(self, request, queryset):
        for instrument in queryset:
            copy = copy_instrument(instrument)
            self.message_user(
                request, _("Draft version %(version)s created.") % {"version": copy.version}
            )

    @admin.action(description=_("Publish (new assessments use the newest published version)"))
    def publish(self, request, queryset):
        drafts = queryset.filter(published_at__isnull=True)
        for instrument in drafts:
            if not Factor.objects.filter(domain__instrument=instrument).exists():
                self.message_user(request, _("An instrument needs at least one factor."),
                                  messages.ERROR)
                return
        count = 0
        for instrument in drafts:
            instrument.published_at = timezone.now()
            instrument.save(update_fields=["published_at"])
            count += 1
        self.message_user(request, ngettext("%(count)d version published.",
                                            "%(count)d versions published.", count)
                          % {"count": count})

    @admin.action(description=_("Retire (no new assessments; existing ones keep it)"))
    def retire(self, request, queryset):
        for instrument in queryset.filter(published_at__isnull=False, retired_at__isnull=True):
            instrument.retired_at = timezone.now()
            instrument.save(update_fields=["retired_at"])


class FactorInline(admin.TabularInline):
    model = Factor
    extra = 0
    fields = ["order", "code", "title", "guidance", "service_category"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "service_category":  # one of the directory's categories
            return forms.ChoiceField(
                label=db_field.verbose_name, help_text=db_field.help_text, required=False,
                choices=[("", "---------")] + list(Service.Category.choices),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _frozen(self, obj):
        return obj is not None and obj.instrument.is_published

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Domain)
class DomainAdmin(FrozenWhenPublished, admin.ModelAdmin):
    list_display = ["title", "instrument", "kind", "order"]
    list_filter = ["instrument"]
    inlines = [FactorInline]

    def _instrument(self, obj):
        return obj.instrument

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "instrument":
            kwargs["queryset"] = Instrument.objects.filter(published_at__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# The outbox backlog and dead letters (casework/outbox/admin.py).
import casework.outbox.admin  # noqa: E402, F401
