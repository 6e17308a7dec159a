"""Referrals from a partner system: send one to intake (the partner form's own validation and
receive_referral), and read back what policy lets a referrer know of it (never a name)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api import scopes
from api.base import ApiView, ListView
from api.errors import form_errors
from api.v1.forms_schema import serializer_for
from casework import access
from referrals import forms, selectors, workflow
from referrals.models import Referral

PartnerReferralInput = serializer_for(forms.PartnerReferralForm, "PartnerReferralInput")


class ReferralStatusSerializer(serializers.ModelSerializer):
    acknowledgement = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = ("reference", "received_at", "pathway", "urgency", "acknowledgement")

    def get_acknowledgement(self, referral) -> str:
        return workflow.acknowledgement_text(referral)


class ReferralList(ListView):
    """The referrals this account sent (a partner system) or entered (staff), newest first."""

    serializer_class = ReferralStatusSerializer
    required_scopes = {"GET": scopes.REFERRALS_READ, "POST": scopes.REFERRALS_WRITE}

    def get_queryset(self):
        if not access.can_list_own_referrals(self.request.user):
            raise PermissionDenied
        return selectors.referrals_made_by(self.request.user)

    @extend_schema(request=PartnerReferralInput, responses={201: ReferralStatusSerializer})
    def post(self, request):
        """Send a referral to intake, as the partner form does; bad input changes nothing."""
        if not access.can_make_partner_referral(request.user):
            raise PermissionDenied
        form = forms.PartnerReferralForm(request.data, user=request.user)
        if not form.is_valid():
            return form_errors(form)
        referral = workflow.receive_referral(form.save(commit=False),
                                             channel=Referral.Channel.PARTNER, actor=request.user)
        return Response(ReferralStatusSerializer(referral).data, status=201)


class ReferralDetail(ApiView):
    required_scopes = {"GET": scopes.REFERRALS_READ}

    @extend_schema(responses=ReferralStatusSerializer)
    def get(self, request, reference):
        """What a referrer may know of a referral they made (404 for any other)."""
        if not access.can_list_own_referrals(request.user):
            raise PermissionDenied
        referral = selectors.referrals_made_by(request.user).filter(reference=reference).first()
        if referral is None:
            from django.http import Http404

            raise Http404
        return Response(ReferralStatusSerializer(referral).data)
