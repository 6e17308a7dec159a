from django.urls import include, path

from referrals import views

# Static paths first: the last routes take any reference.
urlpatterns = [
    path("new/", views.referral_new, name="referral-new"),
    path("partner/new/", views.referral_partner_new, name="referral-partner-new"),
    path("mine/", views.referral_mine, name="referral-mine"),
    path("inbox/", views.referral_inbox, name="referral-inbox"),
    # Closed-loop referrals to providers, and the provider portal (referrals/provider_urls.py).
    path("provider/", include("referrals.provider_urls")),
    # Public: no account (login_not_required on the views).
    path("public/", views.referral_public, name="referral-public"),
    path("public/sent/", views.referral_public_sent, name="referral-public-sent"),
    path("bias-report/", views.bias_report, name="bias-report"),
    path("bias-report/sent/", views.bias_report_sent, name="bias-report-sent"),
    # Bias-incident reports, for staff.
    path("bias-incidents/", views.bias_list, name="bias-list"),
    path("bias-incidents/landscape/", views.bias_landscape, name="bias-landscape"),
    path("bias-incidents/<str:reference>/", views.bias_detail, name="bias-detail"),
    path("bias-incidents/<str:reference>/triage/", views.bias_triage, name="bias-triage"),
    path("<str:reference>/", views.referral_detail, name="referral-detail"),
    path("<str:reference>/screen/", views.referral_screen, name="referral-screen"),
    path("<str:reference>/check/", views.referral_check, name="referral-check"),
    path("<str:reference>/link/", views.referral_link, name="referral-link"),
]
