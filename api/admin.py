"""The system admin's pages for API clients (two admins), personal tokens and webhooks.

An admin asks for a client ("Add API client request"); another admin approves it with the
action, and the key is shown on that one page only. Revocation applies at once.
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api import credentials
from api.models import (
    ApiClient,
    ApiClientRequest,
    PersonalToken,
    WebhookDelivery,
    WebhookSubscriber,
)
from casework.accounts.powers import ApprovalRefused


@admin.register(ApiClientRequest)
class ApiClientRequestAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "status", "requested_by", "requested_at",
                    "decided_by")
    list_filter = ("status",)
    fields = ("organization", "name", "scopes", "expires_on")
    actions = ("approve", "refuse")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def save_model(self, request, obj, form, change):
        made = credentials.request_client(
            obj.organization, name=obj.name, scopes=obj.scopes, expires_on=obj.expires_on,
            actor=request.user,
        )
        obj.pk = made.pk

    @admin.action(description=gettext_lazy("Approve the selected requests (as the second admin)"))
    def approve(self, request, queryset):
        made = []
        for pending in queryset.filter(status=ApiClientRequest.Status.PENDING):
            try:
                made.append(credentials.approve_client(pending, actor=request.user))
            except ApprovalRefused:
                messages.error(request, _("A request must be approved by another admin."))
        if made:
            # The keys exist only in this response: they are never stored or sent anywhere.
            return TemplateResponse(request, "api/admin_new_keys.html",
                                    {"made": made, "title": _("New API keys")})
        return None

    @admin.action(description=gettext_lazy("Refuse the selected requests"))
    def refuse(self, request, queryset):
        for pending in queryset.filter(status=ApiClientRequest.Status.PENDING):
            try:
                credentials.refuse_client(pending, actor=request.user)
            except ApprovalRefused:
                messages.error(request, _("A request must be refused by another admin."))


class CredentialAdmin(admin.ModelAdmin):
    readonly_fields = ("prefix", "name", "scopes", "created", "expiry_date", "revoked",
                       "revoked_at", "revoked_by")
    exclude = ("hashed_key",)
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Revoke the selected keys now"))
    def revoke(self, request, queryset):
        for credential in queryset:
            credentials.revoke(credential, actor=request.user)


@admin.register(ApiClient)
class ApiClientAdmin(CredentialAdmin):
    list_display = ("prefix", "name", "organization", "expiry_date", "revoked")
    readonly_fields = (*CredentialAdmin.readonly_fields, "organization", "account", "request")


@admin.register(PersonalToken)
class PersonalTokenAdmin(CredentialAdmin):
    list_display = ("prefix", "name", "user", "expiry_date", "revoked")
    readonly_fields = (*CredentialAdmin.readonly_fields, "user")


@admin.register(WebhookSubscriber)
class WebhookSubscriberAdmin(admin.ModelAdmin):
    list_display = ("organization", "url", "is_active", "created_at")
    fields = ("organization", "url", "secret", "events", "is_active")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log (failed attempts and dead letters: the outbox's page)."""

    list_display = ("pk", "subscriber", "event", "status", "created_at", "delivered_at",
                    "last_status_code")
    list_filter = ("status", "event")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
