"""Consent wording in the admin site: administrators publish versions; none is edited after."""

from django.contrib import admin
from django.db import transaction
from django.db.models import Max

from privacy.models import ConsentWording


@admin.register(ConsentWording)
class ConsentWordingAdmin(admin.ModelAdmin):
    list_display = ("purpose", "version", "published_at", "published_by")
    list_filter = ("purpose",)
    readonly_fields = ("version", "published_at", "published_by")

    def has_change_permission(self, request, obj=None):
        # A published version is what people agreed to: a new wording is a new version.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change:
            return
        latest = (ConsentWording.objects.select_for_update().filter(purpose=obj.purpose)
                  .aggregate(latest=Max("version"))["latest"])
        obj.version = (latest or 0) + 1
        obj.published_by = request.user
        super().save_model(request, obj, form, change)
