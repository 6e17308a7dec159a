"""Personal tokens: a signed-in person makes one for their own scripts (in the browsable API,
with the second factor checked within the step-up window) and revokes their own."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api import credentials
from api import scopes as scope_names
from api.auth import VerifiedSessionAuthentication
from api.base import ApiView, ListView
from api.models import PersonalToken
from casework.accounts import mfa


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalToken
        fields = ("prefix", "name", "scopes", "created", "expiry_date", "revoked")


class NewTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=scope_names.ALL),
                                   min_length=1)
    days = serializers.IntegerField(min_value=1, max_value=credentials.PERSONAL_TOKEN_MAX_DAYS)


class CreatedTokenSerializer(TokenSerializer):
    key = serializers.CharField(help_text="Shown once: store it now.")

    class Meta(TokenSerializer.Meta):
        fields = (*TokenSerializer.Meta.fields, "key")


class TokenList(ListView):
    """Your tokens (never their keys). Only a session may make one: a token cannot make more."""

    serializer_class = TokenSerializer
    authentication_classes = (VerifiedSessionAuthentication,)

    def get_queryset(self):
        return PersonalToken.objects.filter(user=self.request.user).order_by("-created")

    @extend_schema(request=NewTokenSerializer, responses={201: CreatedTokenSerializer})
    def post(self, request):
        asked = NewTokenSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            token, key = credentials.create_personal_token(
                actor=request.user, second_factor_fresh=mfa.is_fresh(request._request),
                **asked.validated_data,
            )
        except PermissionError as error:  # pragma: no cover - defensive
            raise PermissionDenied(str(error)) from None
        data = TokenSerializer(token).data | {"key": key}
        return Response(data, status=201)


class TokenRevoke(ApiView):
    authentication_classes = (VerifiedSessionAuthentication,)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, prefix):
        token = PersonalToken.objects.filter(user=request.user, prefix=prefix).first()
        if token is None:
            raise Http404
        credentials.revoke(token, actor=request.user)
        return Response(status=204)
