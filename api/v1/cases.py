"""Cases for caseworkers and supervisors: the caseload as the dashboard lists it (references,
stages, dates: no names, so no read entry), and one case's header as its page shows it (a read
of case content, on the access log)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api import scopes
from api.base import ApiView, ListView
from audit.access_log import record_read
from casework import access, roles, selectors


def _require_case_staff(user):
    if not roles.has(user, *roles.CASE_STAFF):
        raise PermissionDenied


class CaseloadRowSerializer(serializers.Serializer):
    reference = serializers.CharField(source="case.reference")
    pathway = serializers.CharField(source="case.pathway")
    stage = serializers.CharField(source="case.stage")
    risk_level = serializers.CharField()
    days_in_stage = serializers.IntegerField()
    stage_due_on = serializers.DateField(source="due_on", allow_null=True)
    next_due_on = serializers.DateField(allow_null=True)
    next_due_kind = serializers.CharField()
    caseworker = serializers.CharField(source="case.caseworker.username", allow_null=True,
                                       default=None)
    team = serializers.CharField(source="case.team.name")


class CaseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    person = serializers.CharField(source="person.full_name")
    pathway = serializers.CharField()
    stage = serializers.CharField()
    stage_entered_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    caseworker = serializers.CharField(source="caseworker.username", allow_null=True,
                                       default=None)
    team = serializers.CharField(source="team.name")


class CaseList(ListView):
    """The caseload: exactly the cases casework.access lets the caller see, open ones."""

    serializer_class = CaseloadRowSerializer
    required_scopes = {"GET": scopes.CASES_READ}

    def get_queryset(self):
        _require_case_staff(self.request.user)
        return selectors.caseload_queryset(self.request.user, selectors.CaseloadFilter())

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.caseload_rows(page)


class CaseDetail(ApiView):
    required_scopes = {"GET": scopes.CASES_READ}

    @extend_schema(responses=CaseSerializer)
    def get(self, request, reference):
        _require_case_staff(request.user)
        case = access.access_case(request.user, reference)
        record_read(case, part="case page", channel="api")
        return Response(CaseSerializer(case).data)
