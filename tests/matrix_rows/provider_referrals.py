"""Access-matrix rows for this area (see tests/matrix_rows/__init__.py for the shape).

Closed-loop provider referrals and the provider portal (referrals/provider_urls.py), and
withdrawing a consent (casework/urls.py). The object routes act on a referral sent from a case
alice holds (North, at service plan) to an organisation pat works for; nobody else sees it:
sam as the team's supervisor, pat as staff of the receiving organisation.
"""

from django.urls import reverse

from tests.matrix_kit import Target, only, signed_in

CASE_STAFF_LISTS = ("alice", "bob", "carol", "sam", "sofia")

MATRIX: dict = {
    # Provider staff only: the referrals sent to their organisations.
    "provider-referral-portal": {"GET": signed_in(403, pat=200), "POST": signed_in(405)},
    # Caseworkers and supervisors: the provider referrals of the cases they see.
    "provider-referral-sent": {
        "GET": signed_in(403, **only(CASE_STAFF_LISTS, 200)), "POST": signed_in(405),
    },
    # Sending looks the case up for writing: its caseworker and supervisor; everyone else 404.
    "provider-referral-new": {
        "GET": signed_in(404, alice=200, sam=200),
        "POST": signed_in(404, alice=302, sam=302),
    },
    # Both sides see the referral; provider staff only the shared summary.
    "provider-referral-detail": {
        "GET": signed_in(404, alice=200, sam=200, pat=200), "POST": signed_in(405),
    },
    # Cancelling (with a reason) is open to both sides.
    "provider-referral-act": {
        "GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302, pat=302),
    },
    # Attendance is the provider's to record: the case's staff see the referral, so 403.
    "provider-referral-attendance": {
        "GET": signed_in(405), "POST": signed_in(404, alice=403, sam=403, pat=302),
    },
    # Withdrawing consent looks the case up for writing (intake sees it at intake: still 404).
    "case-consent-withdraw": {
        "GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302),
    },
}
MUTATING_ROUTES: tuple = (
    "provider-referral-act", "provider-referral-attendance", "case-consent-withdraw",
)
OBJECT_ROUTES: tuple = (
    "provider-referral-new", "provider-referral-detail", "provider-referral-act",
    "provider-referral-attendance", "case-consent-withdraw",
)
MAIN_PAGES: tuple = (
    "provider-referral-portal", "provider-referral-sent", "provider-referral-new",
    "provider-referral-detail",
)
# The sending form shows the plan's goals; the referral page its summary (a read each).
CASE_CONTENT: set = {"provider-referral-new", "provider-referral-detail"}
# The lists show references, services, statuses and dates only.
NO_CASE_CONTENT: set = {"provider-referral-portal", "provider-referral-sent"}

MISSING_CASE = "C-ZZZZZZZZ"
MISSING_REFERRAL = "PR-ZZZZZZZZ"


def _sent(people, north, *, accepted=False):
    from casework.models import Case
    from referrals import outgoing
    from tests.factories import (
        CaseFactory,
        ServiceFactory,
        partner_organization,
        sent_provider_referral,
    )

    org = partner_organization("Matrix Provider Org", staff=[people["pat"]])
    service = ServiceFactory(organization=org, category="mentoring")
    case = CaseFactory(team=north, caseworker=people["alice"], stage=Case.Stage.SERVICE_PLAN)
    referral = sent_provider_referral(case, service, by=people["alice"])
    if accepted:
        outgoing.accept(referral, actor=people["pat"])
    return referral, service


def arrange(route, people, north) -> Target:
    from django.utils import timezone

    from casework.models import Case
    from tests.factories import (
        CaseFactory,
        ServiceFactory,
        partner_organization,
        sharing_consent,
    )

    if route in {"provider-referral-portal", "provider-referral-sent"}:
        return Target(reverse(route), reverse(route), {})
    if route == "provider-referral-new":
        org = partner_organization("Matrix Provider Org", staff=[people["pat"]])
        service = ServiceFactory(organization=org, category="mentoring")
        case = CaseFactory(team=north, caseworker=people["alice"], stage=Case.Stage.SERVICE_PLAN)
        sharing_consent(case, by=people["alice"], organization=org)
        data = {"service": service.pk, "share": ["first_name", "need"], "need": "Test need.",
                "contact": "caseworker"}
        return Target(reverse(route, args=[case.reference]),
                      reverse(route, args=[MISSING_CASE]), data)
    if route == "case-consent-withdraw":
        case = CaseFactory(team=north, caseworker=people["alice"])
        consent = sharing_consent(case, by=people["alice"], category="mentoring")
        return Target(reverse(route, args=[case.reference, consent.pk]),
                      reverse(route, args=[MISSING_CASE, consent.pk]), {})
    referral, _ = _sent(people, north, accepted=route == "provider-referral-attendance")
    data = {}
    if route == "provider-referral-act":
        data = {"action": "cancel", "expected_status": "requested",
                "reason": "referred_elsewhere"}
    elif route == "provider-referral-attendance":
        data = {"on": timezone.localdate().isoformat(), "attended": "yes"}
    return Target(reverse(route, args=[referral.reference]),
                  reverse(route, args=[MISSING_REFERRAL]), data)


def state() -> dict:
    from casework.models import Consent
    from referrals.models import ProviderReferral, ProviderReferralAttendance, ProviderReferralEvent

    return {
        "provider_referrals": list(
            ProviderReferral.objects.order_by("pk").values_list("reference", "status")
        ),
        "provider_referral_events": ProviderReferralEvent.objects.count(),
        "provider_referral_attendance": ProviderReferralAttendance.objects.count(),
        "consents_withdrawn": list(
            Consent.objects.order_by("pk").values_list("pk", "withdrawn_at")
        ),
    }
