from django.contrib.auth.decorators import login_not_required
from django.urls import path

from casework.accounts import oidc, views, webauthn_views

urlpatterns = [
    path("verify/", views.mfa_verify, name="mfa-verify"),
    path("setup/", views.mfa_setup, name="mfa-setup"),
    path("", views.account_security, name="account-security"),
    path("language/", views.account_language, name="account-language"),
    path("language/visitor/", views.language_visitor, name="language-visitor"),
    path("recovery-codes/", views.mfa_recovery_codes, name="mfa-recovery-codes"),
    path("password/", views.password_change, name="password-change"),
    path("sessions/end/", views.sign_out_other_sessions, name="account-sessions-end"),
    path("lockouts/", views.account_lockouts, name="account-lockouts"),
    path(
        "lockouts/<int:attempt_id>/release/",
        views.account_lockout_release,
        name="account-lockout-release",
    ),
    # Single sign-on (a 404 unless OIDC_ENABLED); the second factor follows as after a password.
    path("sso/", login_not_required(oidc.SignIn.as_view()), name="oidc-sign-in"),
    path("sso/callback/", login_not_required(oidc.Callback.as_view()), name="oidc-callback"),
    path("security-keys/add/", webauthn_views.webauthn_add, name="webauthn-add"),
    path("security-keys/added/", webauthn_views.webauthn_added, name="webauthn-added"),
    path(
        "security-keys/<int:credential_id>/remove/",
        webauthn_views.webauthn_remove,
        name="webauthn-remove",
    ),
]
