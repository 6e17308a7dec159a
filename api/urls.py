"""The partner API, version 1 (docs/api.md). Route names start with `api-`."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from api.base import ApiMixin
from api.fhir import views as fhir
from api.v1 import audit_log, cases, directory, me, provider_referrals, referrals, tokens


class SchemaView(ApiMixin, SpectacularAPIView):
    # Any signed-in person or valid credential, whatever its scopes: it holds no data.
    permission_classes = (IsAuthenticated,)


class DocsView(ApiMixin, SpectacularSwaggerSplitView):
    permission_classes = (IsAuthenticated,)


app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("referrals/", referrals.ReferralList.as_view(), name="referral-list"),
    path("referrals/<str:reference>/", referrals.ReferralDetail.as_view(),
         name="referral-detail"),
    path("provider-referrals/", provider_referrals.ProviderReferralList.as_view(),
         name="provider-referral-list"),
    path("provider-referrals/<str:reference>/", provider_referrals.ProviderReferralDetail.as_view(),
         name="provider-referral-detail"),
    path("provider-referrals/<str:reference>/actions/",
         provider_referrals.ProviderReferralAction.as_view(), name="provider-referral-action"),
    path("directory/organizations/", directory.OrganizationList.as_view(),
         name="directory-organizations"),
    path("directory/services/", directory.ServiceList.as_view(), name="directory-services"),
    path("directory/services/<int:service_id>/capacity/", directory.ServiceCapacity.as_view(),
         name="directory-service-capacity"),
    path("directory/locations/", directory.LocationList.as_view(), name="directory-locations"),
    path("me/tasks/", me.MyTasks.as_view(), name="my-tasks"),
    path("me/notifications/", me.MyNotifications.as_view(), name="my-notifications"),
    path("cases/", cases.CaseList.as_view(), name="case-list"),
    path("cases/<str:reference>/", cases.CaseDetail.as_view(), name="case-detail"),
    path("audit/entries/", audit_log.AuditEntryList.as_view(), name="audit-entries"),
    path("tokens/", tokens.TokenList.as_view(), name="token-list"),
    path("tokens/<str:prefix>/", tokens.TokenRevoke.as_view(), name="token-revoke"),
    path("fhir/Task", fhir.TaskSearch.as_view(), name="fhir-task-search"),
    path("fhir/Task/<str:reference>", fhir.TaskDetail.as_view(), name="fhir-task"),
    path("fhir/ServiceRequest/<str:reference>", fhir.ServiceRequestDetail.as_view(),
         name="fhir-service-request"),
    path("fhir/CodeSystem/<str:name>", fhir.CodeSystemDetail.as_view(),
         name="fhir-code-system"),
]
