"""FHIR R4 endpoints for provider referrals: search and read Tasks, read ServiceRequests, update
a Task's status (PUT a Task, or PATCH it with JSON Patch), read the local CodeSystems.

Reads and updates go through casework.access.access_provider_referral (404 for another
organisation's) and referrals.outgoing; errors are OperationOutcome resources.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, parsers, renderers
from rest_framework.response import Response

from api import scopes
from api.base import ApiView
from api.fhir import codes, mapping
from api.v1.provider_referrals import ProviderReferralList, read_referral
from casework import access
from referrals import outgoing, provider_selectors

MAX_COUNT = 100
MAX_PAGE = 100_000  # an offset the database can take; no organisation has more


class FhirJSONRenderer(renderers.JSONRenderer):
    media_type = "application/fhir+json"


class FhirJSONParser(parsers.JSONParser):
    media_type = "application/fhir+json"


class JSONPatchParser(parsers.JSONParser):
    media_type = "application/json-patch+json"


def outcome(status: int, code: str, messages) -> Response:
    return Response({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": str(m)} for m in messages],
    }, status=status)


class FhirView(ApiView):
    renderer_classes = (FhirJSONRenderer, renderers.JSONRenderer)
    parser_classes = (FhirJSONParser, parsers.JSONParser, JSONPatchParser)

    def handle_exception(self, error):
        answers = {
            Http404: (404, "not-found", ["No such resource."]),
            exceptions.NotFound: (404, "not-found", ["No such resource."]),
            exceptions.PermissionDenied: (403, "forbidden", ["Not allowed."]),
            exceptions.ParseError: (400, "invalid", ["The body is not valid JSON."]),
            exceptions.UnsupportedMediaType: (415, "not-supported", [str(error)]),
        }
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

        answers[DjangoPermissionDenied] = answers[exceptions.PermissionDenied]
        for kind, (status, code, messages) in answers.items():
            if isinstance(error, kind):
                from rest_framework.views import set_rollback

                set_rollback()
                return outcome(status, code, messages)
        return super().handle_exception(error)


class TaskSearch(FhirView):
    required_scopes = {"GET": scopes.PROVIDER_REFERRALS_READ}

    @extend_schema(
        operation_id="fhir_task_search",
        parameters=[
            OpenApiParameter("status", str, enum=sorted(codes.TASK_STATUSES)),
            OpenApiParameter("_count", int, description=f"1 to {MAX_COUNT}"),
            OpenApiParameter("_page", int, description=f"1 to {MAX_PAGE}"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        """A searchset Bundle of the Tasks the caller may see, newest first (paged)."""
        listing = ProviderReferralList()
        listing.request = request
        referrals = listing.get_queryset()
        # The list's own columns, and the owner's HSDS id the Task names (one query a page).
        sender_side = not access.can_use_provider_portal(request.user)
        referrals = referrals.only(
            *provider_selectors.LIST_COLUMNS, "organization__hsds_id",
            *(("case__reference", "case__stage") if sender_side else ()),
        )
        status = request.query_params.get("status")
        if status:
            if status not in codes.TASK_STATUSES:
                return outcome(400, "invalid", ["Unknown Task.status."])
            referrals = referrals.filter(status=status)
        try:
            count = min(max(int(request.query_params.get("_count", 50)), 1), MAX_COUNT)
            page = max(int(request.query_params.get("_page", 1)), 1)
        except ValueError:
            return outcome(400, "invalid", ["_count and _page are whole numbers."])
        if page > MAX_PAGE:
            return outcome(400, "invalid", [f"_page goes up to {MAX_PAGE}."])
        total = referrals.count()
        rows = list(referrals[(page - 1) * count: page * count])
        for referral in rows:
            referral.side = "provider" if hasattr(referral, "sharing_active") else "sender"
        base = request.build_absolute_uri(request.path)
        links = [{"relation": "self", "url": f"{base}?_count={count}&_page={page}"}]
        if page * count < total:
            links.append({"relation": "next", "url": f"{base}?_count={count}&_page={page + 1}"})
        return Response({
            "resourceType": "Bundle", "type": "searchset", "total": total, "link": links,
            "entry": [{"fullUrl": f"{base}{r.reference}", "resource": mapping.task_for(r),
                       "search": {"mode": "match"}} for r in rows],
        })


class TaskDetail(FhirView):
    required_scopes = {"GET": scopes.PROVIDER_REFERRALS_READ,
                       "PUT": scopes.PROVIDER_REFERRALS_WRITE,
                       "PATCH": scopes.PROVIDER_REFERRALS_WRITE}

    @extend_schema(operation_id="fhir_task_read", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, reference):
        referral = access.access_provider_referral(request.user, reference)
        return Response(mapping.task_for(referral))

    @extend_schema(operation_id="fhir_task_update", request=OpenApiTypes.OBJECT,
                   responses={200: OpenApiTypes.OBJECT})
    def put(self, request, reference):
        """Move the referral to Task.status, with statusReason (a reason code) or output (the
        outcome code) where the move needs one."""
        referral = access.access_provider_referral(request.user, reference)
        return self._update(referral, request.data)

    @extend_schema(operation_id="fhir_task_patch", request=OpenApiTypes.OBJECT,
                   responses={200: OpenApiTypes.OBJECT})
    def patch(self, request, reference):
        referral = access.access_provider_referral(request.user, reference)
        try:
            wanted = mapping.apply_json_patch(mapping.task_for(referral), request.data)
        except mapping.TaskUpdateRefused as refused:
            return outcome(400, "invalid", refused.messages)
        return self._update(referral, wanted)

    def _update(self, referral, resource):
        try:
            change = mapping.change_asked(referral, resource)
        except mapping.TaskUpdateRefused as refused:
            return outcome(400, "invalid", refused.messages)
        if change is not None:
            try:
                referral = outgoing.take_transition(
                    referral, change["action"], actor=self.request.user,
                    reason=change["reason"], outcome=change["outcome"], note=change["note"],
                    expected_status=referral.status,
                )
            except outgoing.ReferralRefused as refused:
                from rest_framework.views import set_rollback

                set_rollback()
                return outcome(400, "business-rule", refused.messages)
            except outgoing.StaleProviderReferral:
                return outcome(409, "conflict", ["The referral changed meanwhile; read it again."])
        return Response(mapping.task_for(referral))


class ServiceRequestDetail(FhirView):
    required_scopes = {"GET": scopes.PROVIDER_REFERRALS_READ}

    @extend_schema(operation_id="fhir_service_request_read",
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request, reference):
        referral = read_referral(request.user, reference)
        return Response(mapping.service_request_for(referral))


class CodeSystemDetail(FhirView):
    required_scopes = {"GET": scopes.PROVIDER_REFERRALS_READ}

    @extend_schema(operation_id="fhir_code_system_read", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, name):
        if name not in codes.LOCAL:
            raise Http404
        return Response(codes.code_system(name))
