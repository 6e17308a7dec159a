from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casework import views

case_patterns = [
    path("<str:reference>/", views.case_detail, name="case-detail"),
    path("<str:reference>/transition/", views.case_transition, name="case-transition"),
    path("<str:reference>/assign/", views.case_assign, name="case-assign"),
    path("<str:reference>/consent/", views.case_consent, name="case-consent"),
    path("<str:reference>/assessment/", views.case_assessment, name="case-assessment"),
    path("<str:reference>/plan/", views.case_plan, name="case-plan"),
    path(
        "<str:reference>/plan/<int:plan_id>/approve/",
        views.case_plan_approve,
        name="case-plan-approve",
    ),
    path("<str:reference>/follow-up/", views.case_follow_up, name="case-follow-up"),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("cases/", include(case_patterns)),
    path("referrals/", include("referrals.urls")),
    path("referrals/<str:reference>/open-case/", views.case_open, name="case-open"),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "casework.errors.not_found"
handler500 = "casework.errors.server_error"
handler403 = "casework.errors.forbidden"
