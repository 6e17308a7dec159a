"""The providers directory: organisations, services (with capacity) and locations to read, for
whoever may search it on the pages; service capacity to change, for the directory admin."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api import scopes
from api.base import ApiView, ListView
from casework import access
from providers import selectors
from providers import workflow as directory
from providers.models import Location, Organization, Service


def _require_directory(user):
    if not access.can_search_directory(user):
        raise PermissionDenied


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ("hsds_id", "name", "kind", "description", "email", "phone", "website")


class ServiceSerializer(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization.hsds_id")
    can_receive_referrals = serializers.BooleanField()

    class Meta:
        model = Service
        fields = ("id", "hsds_id", "organization", "name", "category", "description",
                  "eligibility", "fees", "schedule", "url", "capacity_status", "open_places",
                  "can_receive_referrals")


class LocationSerializer(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization.hsds_id", allow_null=True,
                                         default=None)

    class Meta:
        model = Location
        fields = ("hsds_id", "organization", "name", "address_1", "address_2", "city", "region",
                  "postal_code", "country", "latitude", "longitude")


class CapacitySerializer(serializers.Serializer):
    capacity_status = serializers.ChoiceField(choices=Service.Capacity.choices)
    open_places = serializers.IntegerField(min_value=0, max_value=100000, required=False,
                                           allow_null=True, default=None)


class OrganizationList(ListView):
    serializer_class = OrganizationSerializer
    required_scopes = {"GET": scopes.DIRECTORY_READ}

    def get_queryset(self):
        _require_directory(self.request.user)
        return Organization.objects.filter(is_active=True).order_by("name", "pk")


class ServiceList(ListView):
    serializer_class = ServiceSerializer
    required_scopes = {"GET": scopes.DIRECTORY_READ}

    def get_queryset(self):
        _require_directory(self.request.user)
        params = self.request.query_params
        return selectors.directory_search(category=params.get("category", ""),
                                          city=params.get("city", ""))


class LocationList(ListView):
    serializer_class = LocationSerializer
    required_scopes = {"GET": scopes.DIRECTORY_READ}

    def get_queryset(self):
        _require_directory(self.request.user)
        return Location.objects.select_related("organization").order_by("name", "pk")


class ServiceCapacity(ApiView):
    required_scopes = {"PATCH": scopes.DIRECTORY_WRITE}

    @extend_schema(request=CapacitySerializer, responses=CapacitySerializer)
    def patch(self, request, service_id):
        """Set a service's capacity (open, waitlist, closed) and open places: directory admin."""
        if not access.can_manage_directory(request.user):
            raise PermissionDenied
        service = Service.objects.filter(pk=service_id).first()
        if service is None:
            from django.http import Http404

            raise Http404
        change = CapacitySerializer(data=request.data)
        change.is_valid(raise_exception=True)
        service = directory.set_capacity(service, status=change.validated_data["capacity_status"],
                                         open_places=change.validated_data["open_places"],
                                         actor=request.user)
        return Response(CapacitySerializer(service).data)
