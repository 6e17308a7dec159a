from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from providers.models import (
    ImportRun,
    Location,
    Membership,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["name", "category", "is_active", "capacity_status", "open_places"]
    show_change_link = True


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    fields = ["name", "address_1", "city", "postal_code"]
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """The system admin sets data-sharing agreements here (HSDS imports never change them)."""

    list_display = ["name", "kind", "is_active", "agreement_status", "agreement_expires_on",
                    "has_active_agreement"]
    list_filter = ["kind", "is_active", "agreement_status"]
    search_fields = ["name"]
    readonly_fields = ["hsds_id"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "is_active", "description", "hsds_id"]}),
        (_("Public contact"), {"fields": ["email", "phone", "website"]}),
        (_("Data-sharing agreement"), {"fields": ["agreement_status", "agreement_expires_on"]}),
    ]
    inlines = [LocationInline, ServiceInline, MembershipInline]


class ServiceLanguageInline(admin.TabularInline):
    model = ServiceLanguage
    extra = 0


class ServiceAtLocationInline(admin.TabularInline):
    model = ServiceAtLocation
    extra = 0
    readonly_fields = ["hsds_id"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "category", "is_active", "capacity_status",
                    "open_places"]
    list_filter = ["category", "is_active", "capacity_status"]
    search_fields = ["name", "organization__name"]
    readonly_fields = ["hsds_id"]
    list_select_related = ["organization"]
    inlines = [ServiceLanguageInline, ServiceAtLocationInline]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "city", "postal_code"]
    list_filter = ["city"]
    search_fields = ["name", "address_1", "organization__name"]
    readonly_fields = ["hsds_id"]
    list_select_related = ["organization"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Read-only: imports start from the directory's import page or `manage.py import_hsds`."""

    list_display = ["created_at", "file_name", "started_by", "status", "total", "failed"]
    list_filter = ["status"]
    exclude = ["payload"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
