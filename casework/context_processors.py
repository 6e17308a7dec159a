from django.utils.translation import gettext_lazy as _

from audit import breakglass
from casework import access, roles
from casework.accounts import mfa

# (URL name, label, who sees the link) in menu order; every link is also guarded by its view.
NAVIGATION = [
    ("dashboard", _("My caseload"), lambda u: roles.has(u, *roles.CASE_STAFF)),
    ("task-list", _("My tasks"), lambda u: roles.has(u, *roles.CASE_STAFF)),
    ("team-overview", _("Team"), access.can_view_team),
    ("transfer-list", _("Transfers"), access.can_list_transfers),
    ("referral-inbox", _("Intake inbox"), access.can_screen_referrals),
    ("referral-new", _("New referral"), access.can_enter_referral),
    ("referral-partner-new", _("Refer someone"), access.can_make_partner_referral),
    ("referral-mine", _("Referrals I made"), access.can_list_own_referrals),
    ("provider-referral-sent", _("Referrals to providers"),
     access.can_list_sent_provider_referrals),
    ("provider-referral-portal", _("Referrals to us"), access.can_use_provider_portal),
    ("bias-list", _("Bias reports"), access.can_triage_bias_reports),
    ("bias-landscape", _("Landscape"), access.can_view_bias_landscape),
    ("measures-overview", _("Key measures"), access.can_view_measures),
    ("directory-search", _("Services directory"), access.can_search_directory),
    ("directory-manage", _("My organisation"), access.can_administer_providers),
    ("audit-log", _("Audit log"), access.can_read_audit_log),
    ("emergency-list", _("Emergency access reviews"), breakglass.may_review),
    ("emergency-request", _("Emergency access"), breakglass.may_break_glass),
    ("mdt-list", _("MDT meetings"), access.can_use_mdt),
    ("subject-access-list", _("Subject access"), access.can_handle_privacy_requests),
    ("privacy-holds", _("Legal holds"), access.can_handle_privacy_requests),
    ("privacy-erasures", _("Erasure requests"), access.can_handle_privacy_requests),
    ("privacy-retention", _("Retention"), access.can_handle_privacy_requests),
    ("account-lockouts", _("Sign-in locks"), lambda u: roles.has(u, roles.ADMIN)),
    ("account-security", _("Your sign-in"), lambda u: True),
]


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "user_roles": sorted(str(roles.LABELS[r]) for r in roles.of(user) if r in roles.LABELS),
        # Before the second factor every link would lead back to it: show none.
        "nav_links": [(name, label) for name, label, shown in NAVIGATION if shown(user)]
        if mfa.is_verified(request) else [],
    }
