from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casework import views

case_patterns = [
    path("<str:reference>/", views.case_detail, name="case-detail"),
    path("<str:reference>/transition/", views.case_transition, name="case-transition"),
    path("<str:reference>/assign/", views.case_assign, name="case-assign"),
    path("<str:reference>/transfer/", views.case_transfer, name="case-transfer"),
    path("<str:reference>/person/", views.case_person, name="case-person"),
    path("<str:reference>/person/aliases/", views.case_person_alias, name="case-person-alias"),
    path(
        "<str:reference>/person/aliases/<int:alias_id>/remove/",
        views.case_person_alias_remove,
        name="case-person-alias-remove",
    ),
    path("<str:reference>/consent/", views.case_consent, name="case-consent"),
    path("<str:reference>/consent/form/", views.case_consent_form, name="case-consent-form"),
    path(
        "<str:reference>/consent/organizations/",
        views.case_consent_organizations,
        name="case-consent-organizations",
    ),
    path(
        "<str:reference>/consent/<int:consent_id>/withdraw/",
        views.case_consent_withdraw,
        name="case-consent-withdraw",
    ),
    path("<str:reference>/assessment/", views.case_assessment, name="case-assessment"),
    path("<str:reference>/plan/", views.case_plan, name="case-plan"),
    path(
        "<str:reference>/plan/<int:plan_id>/approve/",
        views.case_plan_approve,
        name="case-plan-approve",
    ),
    path("<str:reference>/follow-up/", views.case_follow_up, name="case-follow-up"),
    # Assessments: the instrument form (new version or draft), each version, the comparison.
    path(
        "<str:reference>/assessment/form/",
        views.case_assessment_form,
        name="case-assessment-form",
    ),
    path(
        "<str:reference>/assessment/<int:assessment_id>/",
        views.case_assessment_detail,
        name="case-assessment-detail",
    ),
    path(
        "<str:reference>/assessment/<int:assessment_id>/compare/",
        views.case_assessment_compare,
        name="case-assessment-compare",
    ),
    path(
        "<str:reference>/assessment/<int:assessment_id>/sign-off/",
        views.case_assessment_sign_off,
        name="case-assessment-sign-off",
    ),
    # Service plans: each version, its goals and interventions, revising and discarding.
    path("<str:reference>/plan/<int:plan_id>/", views.case_plan_detail, name="case-plan-detail"),
    path(
        "<str:reference>/plan/<int:plan_id>/goal/", views.case_plan_goal, name="case-plan-goal"
    ),
    path(
        "<str:reference>/plan/<int:plan_id>/intervention/",
        views.case_plan_intervention,
        name="case-plan-intervention",
    ),
    path(
        "<str:reference>/plan/<int:plan_id>/revise/",
        views.case_plan_revise,
        name="case-plan-revise",
    ),
    path(
        "<str:reference>/plan/<int:plan_id>/discard/",
        views.case_plan_discard,
        name="case-plan-discard",
    ),
    path(
        "<str:reference>/intervention/<int:intervention_id>/status/",
        views.case_intervention_status,
        name="case-intervention-status",
    ),
    # Follow-up: scheduling, and the outcome of what was scheduled.
    path(
        "<str:reference>/follow-up/schedule/",
        views.case_follow_up_schedule,
        name="case-follow-up-schedule",
    ),
    path(
        "<str:reference>/follow-up/<int:follow_up_id>/",
        views.case_follow_up_detail,
        name="case-follow-up-detail",
    ),
    path(
        "<str:reference>/follow-up/<int:follow_up_id>/outcome/",
        views.case_follow_up_outcome,
        name="case-follow-up-outcome",
    ),
    # Notes (never edited: addenda) and tasks.
    path("<str:reference>/note/", views.case_note, name="case-note"),
    path(
        "<str:reference>/note/<int:note_id>/", views.case_note_detail, name="case-note-detail"
    ),
    path(
        "<str:reference>/note/<int:note_id>/addendum/",
        views.case_note_addendum,
        name="case-note-addendum",
    ),
    path("<str:reference>/task/", views.case_task, name="case-task"),
    # Closure: the caseworker's request, the supervisor's approval or return.
    path("<str:reference>/closure/", views.case_closure_request, name="case-closure-request"),
    path(
        "<str:reference>/closure/<int:request_id>/decide/",
        views.case_closure_decide,
        name="case-closure-decide",
    ),
    path("<str:reference>/task/<int:task_id>/done/", views.case_task_done, name="case-task-done"),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("search/", views.case_search, name="case-search"),
    path("team/", views.team_overview, name="team-overview"),
    path("transfers/", views.transfer_list, name="transfer-list"),
    path("transfers/<int:transfer_id>/", views.transfer_detail, name="transfer-detail"),
    path("transfers/<int:transfer_id>/accept/", views.transfer_accept, name="transfer-accept"),
    path("transfers/<int:transfer_id>/decline/", views.transfer_decline,
         name="transfer-decline"),
    path("tasks/", views.task_list, name="task-list"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            extra_context={"system_use_notice": settings.SYSTEM_USE_NOTICE,
                           "oidc_enabled": settings.OIDC_ENABLED,
                           "oidc_provider_name": settings.OIDC_PROVIDER_NAME}
        ),
        name="login",
    ),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("account/", include("casework.accounts.urls")),
    path("account/webauthn/", include("casework.accounts.webauthn_urls")),
    path("cases/", include(case_patterns)),
    path("referrals/", include("referrals.urls")),
    path("providers/", include("providers.urls")),
    path("mdt/", include("mdt.urls")),
    path("audit/", include("audit.urls")),
    path("measures/", include("measures.urls")),
    path("privacy/", include("privacy.urls")),
    path("published/", include("measures.public_urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "casework.errors.not_found"
handler500 = "casework.errors.server_error"
handler403 = "casework.errors.forbidden"
