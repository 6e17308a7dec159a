"""The case page's "Referrals to providers" section, as one inclusion tag (one query)."""

from django import template

from casework import access
from referrals import provider_selectors

register = template.Library()


@register.inclusion_tag("referrals/provider/_case_section.html", takes_context=True)
def provider_referrals_section(context, case):
    user = context["request"].user
    shown = provider_selectors.CASE_ROWS_SHOWN
    rows = provider_selectors.case_rows(case, limit=shown + 1)
    return {
        "case": case,
        "rows": rows[:shown],
        "more": len(rows) > shown,
        "can_send": access.can_send_provider_referral(user, case),
    }


@register.inclusion_tag("referrals/provider/_plan_links.html", takes_context=True)
def provider_referral_goal_links(context, case, plan):
    """On a plan in force: refer to a provider for one of its goals."""
    user = context["request"].user
    show = plan.is_current and access.can_send_provider_referral(user, case)
    return {"case": case, "goals": getattr(plan, "goal_list", []) if show else [], "show": show}
