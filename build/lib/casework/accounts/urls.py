from django.urls import path

from casework.accounts import views

urlpatterns = [
    path("verify/", views.mfa_verify, name="mfa-verify"),
    path("setup/", views.mfa_setup, name="mfa-setup"),
    path("", views.account_security, name="account-security"),
    path("recovery-codes/", views.mfa_recovery_codes, name="mfa-recovery-codes"),
    path("password/", views.password_change, name="password-change"),
    path("sessions/end/", views.sign_out_other_sessions, name="account-sessions-end"),
    path("lockouts/", views.account_lockouts, name="account-lockouts"),
    path(
        "lockouts/<int:attempt_id>/release/",
        views.account_lockout_release,
        name="account-lockout-release",
    ),
]
