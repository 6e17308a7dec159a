"""The security-key ceremonies, under the namespace django-otp-webauthn's template tags expect."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from casework.accounts import webauthn_views as views

app_name = "otp_webauthn"

urlpatterns = [
    path("registration/begin/", views.BeginRegistration.as_view(),
         name="credential-registration-begin"),
    path("registration/complete/", views.CompleteRegistration.as_view(),
         name="credential-registration-complete"),
    path("authentication/begin/", views.BeginAuthentication.as_view(),
         name="credential-authentication-begin"),
    path("authentication/complete/", views.CompleteAuthentication.as_view(),
         name="credential-authentication-complete"),
    # The messages of the library's script, in the reader's language.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
         name="js-i18n-catalog"),
]
