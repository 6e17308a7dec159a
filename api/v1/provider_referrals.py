"""Provider referrals: the receiving organisation's list, one referral's shared summary, and
its actions (accept, reject with a coded reason, start, hold, resume, complete with an outcome,
fail, cancel), through referrals.outgoing exactly as the portal."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api import scopes
from api.base import ApiView, ListView
from audit.access_log import record_read
from casework import access
from referrals import outgoing, provider_selectors
from referrals.models import ProviderReferral

SUMMARY_FIELDS = ("shared_first_name", "shared_contact", "shared_need", "shared_goal",
                  "shared_assessment", "shared_note")


class ProviderReferralListSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.name")
    organization = serializers.CharField(source="organization.name")

    class Meta:
        model = ProviderReferral
        fields = ("reference", "status", "status_reason", "outcome", "status_changed_at",
                  "sent_at", "respond_by", "first_contact_by", "service", "organization")


class ProviderReferralSerializer(ProviderReferralListSerializer):
    """One referral: the summary only while consent and the agreement stand (`shared`)."""

    shared = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta(ProviderReferralListSerializer.Meta):
        fields = (*ProviderReferralListSerializer.Meta.fields, "shared", "summary")

    def get_shared(self, referral) -> bool:
        return is_shared(referral)

    def get_summary(self, referral) -> dict[str, str] | None:
        if not is_shared(referral):
            return None
        summary = {name.removeprefix("shared_"): getattr(referral, name)
                   for name in SUMMARY_FIELDS
                   if name.removeprefix("shared_") in referral.shared_fields}
        notice = outgoing.redisclosure_notice(referral)
        if notice:
            summary["redisclosure_notice"] = notice  # 42 CFR 2.32: it goes with the data
        return summary


class ActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=outgoing.PROVIDER_ACTIONS)
    expected_status = serializers.ChoiceField(choices=ProviderReferral.Status.choices,
                                              required=False)
    reason = serializers.ChoiceField(choices=ProviderReferral.CHOSEN_REASONS, required=False,
                                     allow_blank=True, default="")
    outcome = serializers.ChoiceField(choices=ProviderReferral.Outcome.choices, required=False,
                                      allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def is_shared(referral) -> bool:
    return referral.side == "sender" or bool(getattr(referral, "sharing_active", False))


def read_referral(user, reference: str):
    """The referral through the access policy (404 otherwise), its read on the access log."""
    referral = access.access_provider_referral(user, reference)
    if is_shared(referral):
        record_read(referral, part="provider summary" if referral.side == "provider"
                    else "provider referral", channel="api")
    return referral


class ProviderReferralList(ListView):
    """Provider staff: the referrals sent to their organisations. Case staff: their cases'."""

    serializer_class = ProviderReferralListSerializer
    required_scopes = {"GET": scopes.PROVIDER_REFERRALS_READ}

    def get_queryset(self):
        user = self.request.user
        if access.can_use_provider_portal(user):
            return provider_selectors.portal_referral_list(user)
        if access.can_list_sent_provider_referrals(user):
            return provider_selectors.sent_referral_list(user)
        raise PermissionDenied


class ProviderReferralDetail(ApiView):
    required_scopes = {"GET": scopes.PROVIDER_REFERRALS_READ}

    @extend_schema(responses=ProviderReferralSerializer)
    def get(self, request, reference):
        referral = read_referral(request.user, reference)
        return Response(ProviderReferralSerializer(referral).data)


class ProviderReferralAction(ApiView):
    required_scopes = {"POST": scopes.PROVIDER_REFERRALS_WRITE}

    @extend_schema(request=ActionSerializer, responses=ProviderReferralListSerializer)
    def post(self, request, reference):
        referral = access.access_provider_referral(request.user, reference)
        action = ActionSerializer(data=request.data)
        action.is_valid(raise_exception=True)
        data = action.validated_data
        referral = outgoing.take_transition(
            referral, data["action"], actor=request.user, reason=data["reason"],
            outcome=data["outcome"], note=data["note"],
            expected_status=data.get("expected_status"),
        )
        return Response(ProviderReferralListSerializer(referral).data)
