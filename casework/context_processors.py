from casework import access, roles


def navigation(request):
    user = request.user
    held = roles.of(user)
    return {
        "user_roles": sorted(str(roles.LABELS[r]) for r in held if r in roles.LABELS),
        "nav_can_enter_referral": access.can_enter_referral(user),
        "nav_can_read_audit": access.can_read_audit_log(user),
        "nav_has_cases": bool(held & roles.CASE_STAFF),
    }
