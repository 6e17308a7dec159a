from django.contrib import admin

from providers.models import Membership, Organization, Service


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    inlines = [ServiceInline, MembershipInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "category", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "organization__name"]
