"""Who may reach which URL: every route, every persona, GET and POST, deny by default.

MATRIX is the access rule for every named route outside the admin site. A route that is not in it
fails `test_every_route_has_access_rules`, so nobody can add a page without deciding who may use
it. Each (route, method, persona) cell is its own test: it sends the request and checks the
status, and that only an accepted POST (a 302 that is not the login page) changed anything.

The object routes are called on a case assigned to alice on the North team, at the stage the
route needs (see `arrange`), and referral routes on a referral alice entered. Anyone without
access to that object gets the same 404 they would get for a reference that does not exist.
"""

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from audit import retention
from audit.emergency import EmergencyAccess
from casework import roles
from casework.models import (
    Assessment,
    Case,
    CaseTransition,
    CaseUserObjectPermission,
    Consent,
    FollowUp,
    Person,
    ServicePlan,
)
from referrals.models import Referral
from tests.factories import CaseFactory, ReferralFactory, ServiceFactory, UserFactory
from tests.matrix_kit import (
    LOGIN,
    PERSONAS,
    REFERRAL_ENTRY,
    SIGNED_IN,
    Target,
    everyone,
    only,
    signed_in,
)
from tests.matrix_kit import (
    today as _today,
)
from tests.matrix_rows import EXTENSIONS

# --- The table -------------------------------------------------------------------------------

pytestmark = pytest.mark.matrix

MATRIX = {
    # Public: the only page anonymous may see. POST is an empty form, shown again with errors.
    "login": {"GET": everyone(200), "POST": everyone(200)},
    "logout": {"GET": signed_in(405), "POST": signed_in(LOGIN)},
    "dashboard": {"GET": signed_in(200), "POST": signed_in(405)},
    "referral-new": {
        "GET": signed_in(403, **only(REFERRAL_ENTRY, 200)),
        "POST": signed_in(403, **only(REFERRAL_ENTRY, 302)),
    },
    # Policy (access.visible_referrals): intake and every supervisor see every referral; other
    # staff only the ones they entered. So sofia (South) sees alice's referral for a North case.
    "referral-detail": {
        "GET": signed_in(404, alice=200, sam=200, sofia=200, ivy=200),
        "POST": signed_in(405),
    },
    "audit-log": {"GET": signed_in(403, audrey=200), "POST": signed_in(405)},
    # --- The auditor workspace and break-glass (audit/urls.py) ---
    "audit-export": {"GET": signed_in(403, audrey=200), "POST": signed_in(405)},
    "audit-reviews": {"GET": signed_in(403, audrey=200), "POST": signed_in(405)},
    "audit-record": {"GET": signed_in(403, audrey=200), "POST": signed_in(405)},
    "audit-user": {"GET": signed_in(403, audrey=200), "POST": signed_in(405)},
    # Retention: auditors ask; approving needs another auditor's password, which the personas'
    # unusable passwords never give (400, nothing removed).
    "audit-retention": {"GET": signed_in(403, audrey=200), "POST": signed_in(403, audrey=302)},
    "audit-retention-approve": {"GET": signed_in(405), "POST": signed_in(403, audrey=400)},
    # Reviews: auditors all uses; a supervisor those on their teams' cases (sofia: not hers, 404).
    "emergency-list": {"GET": signed_in(403, audrey=200, sam=200, sofia=200),
                       "POST": signed_in(405)},
    "emergency-review": {"GET": signed_in(405), "POST": signed_in(403, audrey=302, sam=302,
                                                                  sofia=404)},
    # Caseworkers and supervisors may ask; the personas' passwords are unusable, so the step-up
    # check refuses every POST with the form shown again (400).
    "emergency-request": {
        "GET": signed_in(403, **only(("alice", "bob", "carol", "sam", "sofia"), 200)),
        "POST": signed_in(403, **only(("alice", "bob", "carol", "sam", "sofia"), 400)),
    },
    # Case at intake: its caseworker, the team's supervisor and (at intake only) intake see it.
    "case-detail": {"GET": signed_in(404, alice=200, sam=200, ivy=200), "POST": signed_in(405)},
    # begin_assessment: ivy sees the case but the transition is not hers, so 403.
    "case-transition": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302, ivy=403)},
    # Assigning is for the supervisor, and intake while at intake; alice sees the case, so 403.
    "case-assign": {"GET": signed_in(405), "POST": signed_in(404, alice=403, sam=302, ivy=302)},
    "case-person": {"GET": signed_in(404, alice=200, sam=200),
                    "POST": signed_in(404, alice=302, sam=302)},
    # Record forms look the case up for writing: seeing it (ivy) is not enough, so 404.
    "case-consent": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-assessment": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-plan": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-plan-approve": {"GET": signed_in(405), "POST": signed_in(404, alice=403, sam=302)},
    "case-follow-up": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    # --- Casework in depth (casework/urls.py): assessments, plans, follow-up, notes, tasks ---
    # The case is alice's, at the stage the route needs; reads and record forms as above.
    "case-assessment-form": {"GET": signed_in(404, alice=200, sam=200), "POST": signed_in(405)},
    "case-assessment-detail": {"GET": signed_in(404, alice=200, sam=200), "POST": signed_in(405)},
    "case-assessment-compare": {"GET": signed_in(404, alice=200, sam=200), "POST": signed_in(405)},
    # Sign-off is the team supervisor's; alice sees the assessment, so 403.
    "case-assessment-sign-off": {
        "GET": signed_in(405), "POST": signed_in(404, alice=403, sam=302),
    },
    "case-plan-detail": {"GET": signed_in(404, alice=200, sam=200), "POST": signed_in(405)},
    "case-plan-goal": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-plan-intervention": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-plan-revise": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-plan-discard": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-intervention-status": {
        "GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302),
    },
    "case-follow-up-schedule": {
        "GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302),
    },
    "case-follow-up-detail": {"GET": signed_in(404, alice=200, sam=200), "POST": signed_in(405)},
    "case-follow-up-outcome": {
        "GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302),
    },
    # Notes on a case at intake: everyone who sees it (ivy too) reads and writes standard notes.
    "case-note": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302, ivy=302)},
    "case-note-detail": {
        "GET": signed_in(404, alice=200, sam=200, ivy=200), "POST": signed_in(405),
    },
    "case-note-addendum": {
        "GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302, ivy=302),
    },
    # Tasks: added by the case's staff; done by the owner (alice) or the supervisor. ivy sees the
    # case at intake but the task is not hers, so 403.
    "case-task": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-task-done": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302, ivy=403)},
    # Search answers with a page (never a redirect: the name typed must not reach an address).
    "case-search": {
        "GET": signed_in(405), "POST": signed_in(403, **only(REFERRAL_ENTRY, 200)),
    },
    "team-overview": {"GET": signed_in(403, sam=200, sofia=200), "POST": signed_in(405)},
    # Everyone's own notices; marking them read shows the list again (notices are not records).
    "notification-list": {"GET": signed_in(200), "POST": signed_in(405)},
    "notification-read": {"GET": signed_in(405), "POST": signed_in(200)},
    # --- Referrals in, screening and bias reports (referrals/urls.py) ---
    # Partner agencies' staff (pat) refer through their own form.
    "referral-partner-new": {
        "GET": signed_in(403, pat=200),
        "POST": signed_in(403, pat=302),
    },
    # Everyone who can make a referral lists the ones they made.
    "referral-mine": {
        "GET": signed_in(403, pat=200, **only(REFERRAL_ENTRY, 200)),
        "POST": signed_in(405),
    },
    # The intake inbox: intake coordinators and supervisors only.
    "referral-inbox": {"GET": signed_in(403, sam=200, sofia=200, ivy=200), "POST": signed_in(405)},
    # Public: no account. A valid POST is sent on to the confirmation page; that page, reached
    # without having just sent something, goes back to the form.
    "referral-public": {"GET": everyone(200), "POST": everyone(302)},
    "referral-public-sent": {"GET": everyone(302), "POST": everyone(405)},
    "bias-report": {"GET": everyone(200), "POST": everyone(302)},
    "bias-report-sent": {"GET": everyone(302), "POST": everyone(405)},
    # Screening actions on alice's new referral: alice sees it (she entered it) but does not
    # screen, so 403; anyone who cannot see it gets 404.
    "referral-screen": {
        "GET": signed_in(405), "POST": signed_in(404, alice=403, sam=302, sofia=302, ivy=302),
    },
    "referral-check": {
        "GET": signed_in(405), "POST": signed_in(404, alice=403, sam=302, sofia=302, ivy=302),
    },
    "referral-link": {
        "GET": signed_in(405), "POST": signed_in(404, alice=403, sam=302, sofia=302, ivy=302),
    },
    # Bias-incident reports: triaged by intake and supervisors; the landscape is for the
    # management team (supervisors).
    "bias-list": {"GET": signed_in(403, sam=200, sofia=200, ivy=200), "POST": signed_in(405)},
    "bias-landscape": {"GET": signed_in(403, sam=200, sofia=200, lee=200),
                       "POST": signed_in(405)},
    "bias-detail": {"GET": signed_in(404, sam=200, sofia=200, ivy=200), "POST": signed_in(405)},
    "bias-triage": {"GET": signed_in(405), "POST": signed_in(404, sam=302, sofia=302, ivy=302)},
}

PUBLIC_ROUTES = {
    "login", "referral-public", "referral-public-sent", "bias-report", "bias-report-sent",
}
MUTATING_ROUTES = (
    "case-transition", "case-assign", "case-consent", "case-assessment", "case-plan",
    "case-plan-approve", "case-follow-up", "logout",
    "referral-screen", "referral-check", "referral-link", "bias-triage",
)
OBJECT_ROUTES = (
    "case-detail", "case-person", "case-transition", "case-assign", "case-consent", "case-assessment",
    "case-plan", "case-plan-approve", "case-follow-up", "referral-detail",
    "referral-screen", "referral-check", "referral-link", "bias-detail", "bias-triage",
)
MAIN_PAGES = (
    "dashboard", "case-detail", "case-person", "referral-new", "referral-detail", "audit-log",
    "referral-partner-new", "referral-mine", "referral-inbox", "referral-public", "bias-report",
    "bias-list", "bias-landscape", "bias-detail",
)
# Object routes that refuse by role before looking anything up: the answer is 403 either way.
ROLE_GATED_BEFORE_LOOKUP: set[str] = set()
# Casework in depth: its POST-only routes and its routes on one case (arrange_casework).
CASEWORK_OBJECT_ROUTES = (
    "case-assessment-form", "case-assessment-detail", "case-assessment-compare",
    "case-assessment-sign-off", "case-plan-detail", "case-plan-goal", "case-plan-intervention",
    "case-plan-revise", "case-plan-discard", "case-intervention-status",
    "case-follow-up-schedule", "case-follow-up-detail", "case-follow-up-outcome", "case-note",
    "case-note-detail", "case-note-addendum", "case-task", "case-task-done",
)
CASEWORK_ROUTES = set(CASEWORK_OBJECT_ROUTES) | {
    "case-search", "team-overview", "notification-list", "notification-read",
}
MUTATING_ROUTES += ("emergency-review", "audit-retention-approve")
MUTATING_ROUTES += (
    "case-assessment-sign-off", "case-plan-goal", "case-plan-intervention", "case-plan-revise",
    "case-plan-discard", "case-intervention-status", "case-follow-up-schedule",
    "case-follow-up-outcome", "case-note", "case-note-addendum", "case-task", "case-task-done",
    "notification-read",
)
OBJECT_ROUTES += CASEWORK_OBJECT_ROUTES
MAIN_PAGES += ("audit-reviews", "audit-record", "emergency-list", "emergency-request")
MAIN_PAGES += ("team-overview", "notification-list", "case-assessment-form", "case-plan-detail")

# Rows other apps keep beside their own tests (tests/matrix_rows/): same table, same checks.
for _extension in EXTENSIONS:
    assert not set(_extension.MATRIX) & set(MATRIX), f"{_extension.__name__} repeats a route"
    MATRIX.update(_extension.MATRIX)
    PUBLIC_ROUTES |= set(getattr(_extension, "PUBLIC_ROUTES", ()))
    MUTATING_ROUTES += tuple(_extension.MUTATING_ROUTES)
    OBJECT_ROUTES += tuple(_extension.OBJECT_ROUTES)
    MAIN_PAGES += tuple(_extension.MAIN_PAGES)

# Real bugs, one strict xfail per cell they break. Report them; do not loosen MATRIX to pass.
KNOWN_BUGS: dict = {}

# --- Arranging the object each route is called on ---------------------------------------------


MISSING_CASE = "C-ZZZZZZZZ"
MISSING_REFERRAL = "R-ZZZZZZZZ"
MISSING_BIAS_INCIDENT = "B-ZZZZZZZZ"


def _alices_case(people, north, stage=Case.Stage.INTAKE):
    return CaseFactory(team=north, caseworker=people["alice"], stage=stage)


def _consent(case, by):
    return Consent.objects.create(case=case, method="written", given_on=_today(), recorded_by=by)


def arrange(route, people, north) -> Target:
    """Create what `route` acts on (alice's case at a suitable stage) and a POST that works."""
    alice = people["alice"]
    plan_id = None
    if route in {"login", "logout", "dashboard", "audit-log"}:
        return Target(reverse(route), reverse(route), {})
    if route in AUDIT_ROUTES:
        return arrange_audit(route, people, north)
    if route in REFERRAL_ROUTES:
        return arrange_referrals(route, people)
    if route in CASEWORK_ROUTES:
        return arrange_casework(route, people, north)
    for extension in EXTENSIONS:
        if route in extension.MATRIX:
            return extension.arrange(route, people, north)
    if route == "referral-new":
        data = {
            "source": "family", "first_name": "Testfirst", "last_name": "Testlast",
            "pathway": "prevention", "urgency": "routine", "concern": "Test concern.",
        }
        return Target(reverse(route), reverse(route), data)
    if route == "referral-detail":
        case = _alices_case(people, north)
        referral = ReferralFactory(entered_by=alice, case=case, status=Referral.Status.CASE_OPENED)
        return Target(
            reverse(route, args=[referral.reference]), reverse(route, args=[MISSING_REFERRAL]), {}
        )

    data = {}
    if route in {"case-detail", "case-assign", "case-consent", "case-person"}:
        case = _alices_case(people, north)
        if route == "case-person":
            data = {"first_name": "Testfirst", "last_name": "Corrected", "revision": "0"}
        elif route == "case-assign":
            data = {"caseworker": people["bob"].pk}
        elif route == "case-consent":
            data = {"purpose": "support", "method": "written", "given_on": _today()}
    elif route == "case-transition":
        case = _alices_case(people, north)
        _consent(case, alice)
        data = {"name": "begin_assessment", "expected_stage": Case.Stage.INTAKE,
                "reason": "Consent recorded."}
    elif route == "case-assessment":
        case = _alices_case(people, north, Case.Stage.ASSESSMENT)
        data = {"risk_level": "low", "needs_summary": "Test needs."}
    elif route == "case-plan":
        case = _alices_case(people, north, Case.Stage.SERVICE_PLAN)
        data = {"goals": "Test goals.", "services": [ServiceFactory().pk]}
    elif route == "case-plan-approve":
        case = _alices_case(people, north, Case.Stage.SERVICE_PLAN)
        plan = ServicePlan.objects.create(case=case, goals="Test goals.", created_by=alice)
        plan.services.add(ServiceFactory())
        plan_id = plan.pk
    elif route == "case-follow-up":
        case = _alices_case(people, north, Case.Stage.FOLLOW_UP)
        data = {"kind": "check_in", "happened_on": _today(), "summary": "Test summary."}
    else:
        raise AssertionError(f"no arrangement for {route}: add one")
    extra = [plan_id] if plan_id is not None else []
    return Target(
        reverse(route, args=[case.reference, *extra]),
        reverse(route, args=[MISSING_CASE, *extra]),
        data,
    )


AUDIT_ROUTES = {
    "audit-export", "audit-reviews", "audit-record", "audit-user", "emergency-list",
    "emergency-review", "emergency-request", "audit-retention", "audit-retention-approve",
}


def arrange_audit(route, people, north) -> Target:
    """Workspace pages need no object; a review needs bob's emergency use of alice's case."""
    case = _alices_case(people, north)
    if route == "audit-record":
        return Target(reverse(route, args=[case.reference]), "", {})
    if route == "audit-user":
        return Target(reverse(route, args=["alice"]), "", {})
    if route == "emergency-review":
        grant = EmergencyAccess.objects.create(
            case=case, user=people["bob"], reason="Test reason.", expires_at=timezone.now()
        )
        return Target(reverse(route, args=[grant.pk]), "", {"justified": "yes"})
    if route == "audit-retention":
        data = {"before": retention.latest_allowed_cutoff().isoformat(), "reason": "Policy."}
        return Target(reverse(route), "", data)
    if route == "audit-retention-approve":
        other = UserFactory(username="auditor-asking", roles=[roles.AUDITOR])
        purge = retention.RetentionPurge.objects.create(
            before=retention.latest_allowed_cutoff(), reason="Policy.", requested_by=other
        )
        return Target(reverse(route, args=[purge.pk]), "", {"password": "not-their-password"})
    if route == "emergency-request":
        data = {"reference": case.reference, "reason": "An emergency reason, long enough.",
                "password": "not-their-password"}
        return Target(reverse(route), "", data)
    return Target(reverse(route), "", {})


REFERRAL_ROUTES = {
    "referral-partner-new", "referral-mine", "referral-inbox", "referral-public",
    "referral-public-sent", "bias-report", "bias-report-sent", "referral-screen",
    "referral-check", "referral-link", "bias-list", "bias-landscape", "bias-detail",
    "bias-triage",
}


def arrange_referrals(route, people) -> Target:
    """The referral and bias-report routes: alice's new referral, or a fresh public report."""
    from django.core.cache import cache

    from referrals.models import BiasIncident
    from tests.factories import PersonFactory

    cache.clear()  # the public forms' rate limit counts in the cache: each cell starts afresh
    referral_data = {
        "source": "family", "first_name": "Testfirst", "last_name": "Testlast",
        "pathway": "prevention", "urgency": "routine", "concern": "Test concern.",
    }
    if route == "referral-partner-new":
        data = {**referral_data, "source": "school", "referrer_name": "Test Referrer",
                "referrer_contact": "referrer@test.invalid"}
        return Target(reverse(route), reverse(route), data)
    if route in {"referral-public", "referral-mine", "referral-inbox", "referral-public-sent",
                 "bias-report-sent", "bias-list", "bias-landscape"}:
        return Target(reverse(route), reverse(route), referral_data)
    if route == "bias-report":
        data = {"kind": "vandalism", "motivation": "religion", "occurred_on": _today(),
                "neighbourhood": "Riverside", "reported_to_police": "no"}
        return Target(reverse(route), reverse(route), data)
    if route in {"bias-detail", "bias-triage"}:
        incident = BiasIncident.objects.create(
            kind="threat", motivation="race", occurred_on=_today(), neighbourhood="Harbor",
            reported_to_police="yes",
        )
        data = {"action": "log"} if route == "bias-triage" else {}
        return Target(
            reverse(route, args=[incident.reference]),
            reverse(route, args=[MISSING_BIAS_INCIDENT]),
            data,
        )
    referral = ReferralFactory(entered_by=people["alice"])
    if route == "referral-screen":
        data = {"decision": "decline", "decline-expected_status": "new",
                "decline-reason": "Test reason."}
    elif route == "referral-check":
        data = {"kind": "deconfliction", "checked_on": _today(), "outcome": "clear"}
    else:  # referral-link: a known person with the referral's name and date of birth
        person = PersonFactory(first_name=referral.first_name, last_name=referral.last_name,
                               date_of_birth=referral.date_of_birth)
        data = {"person": person.reference}
    return Target(
        reverse(route, args=[referral.reference]),
        reverse(route, args=[MISSING_REFERRAL]),
        data,
    )


# --- Helpers -----------------------------------------------------------------------------------


def walk(resolver, prefix="") -> Iterator[tuple[str, URLPattern]]:
    """Yield (full name, pattern) for every route, skipping the admin site and static files."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            # The API answers credentials, not sessions (401, JSON): its own matrix,
            # tests/api/test_api_access_matrix.py, covers every route of its namespace.
            if entry.namespace in ("admin", "api"):
                continue
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from walk(entry, namespace)
        elif getattr(entry.callback, "__name__", "") == "serve" and "static" in (
            entry.callback.__module__
        ):
            continue
        else:
            yield (f"{prefix}{entry.name}" if entry.name else ""), entry


def routes_without_rules(resolver) -> set[str]:
    """Routes MATRIX says nothing about (unnamed routes by pattern, since they cannot be in it)."""
    return {name or f"<unnamed {entry.pattern}>" for name, entry in walk(resolver)} - set(MATRIX)


def database_state() -> dict:
    """Everything a casework request could change (audit entries of reads aside)."""
    return {
        "cases": list(
            Case.objects.order_by("pk").values_list(
                "reference", "stage", "team_id", "caseworker_id", "closure_reason"
            )
        ),
        "grants": list(
            CaseUserObjectPermission.objects.order_by("pk").values_list(
                "user_id", "content_object_id"
            )
        ),
        "consents": Consent.objects.count(),
        "people": list(Person.objects.order_by("pk").values_list("pk", "revision")),
        "assessments": Assessment.objects.count(),
        "plans": list(ServicePlan.objects.order_by("pk").values_list("pk", "approved_by_id")),
        "follow_ups": FollowUp.objects.count(),
        "transitions": CaseTransition.objects.count(),
        "referrals": list(
            Referral.objects.order_by("pk").values_list("reference", "status", "case_id")
        ),
        **referral_state(),
        **casework_state(),
        "emergency": list(
            EmergencyAccess.objects.order_by("pk").values_list("pk", "reviewed_at", "justified")
        ),
        "retention_purges": list(
            retention.RetentionPurge.objects.order_by("pk").values_list("pk", "status")
        ),
        **{key: value for extension in EXTENSIONS for key, value in extension.state().items()},
    }


def referral_state() -> dict:
    """What the screening and bias-report routes can change."""
    from referrals.models import BiasIncident, MatchLink, ScreeningCheck, ScreeningDecision

    return {
        "referral_people": list(
            Referral.objects.order_by("pk").values_list("reference", "person_id")
        ),
        "screening_checks": ScreeningCheck.objects.count(),
        "screening_decisions": ScreeningDecision.objects.count(),
        "match_links": MatchLink.objects.count(),
        "bias_incidents": list(
            BiasIncident.objects.order_by("pk").values_list("reference", "status", "referral_id")
        ),
    }


def send(client, method, url, data):
    return client.get(url) if method == "GET" else client.post(url, data)


def assert_answer(response, expected, *, method, url, anonymous):
    """Check a response against a MATRIX cell."""
    status = response.status_code
    if expected == LOGIN:
        assert status == 302, f"expected a redirect to the login page, got {status}"
        location = urlsplit(response["Location"])
        assert location.path == reverse("login")
        if anonymous:
            assert parse_qs(location.query).get("next") == [url]
        return
    assert status == expected, f"expected {expected}, got {status}"
    if status == 302:
        assert urlsplit(response["Location"]).path != reverse("login"), "sent to log in"
    elif status == 405:
        assert method not in response["Allow"]
    elif status in (403, 404):
        used = {template.name for template in response.templates}
        assert f"errors/{status}.html" in used, f"not the project's {status} page: {used}"


_PER_REQUEST = [
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
]


def page_without_per_request_tokens(response) -> str:
    """The body with the CSP nonce and CSRF token blanked: they differ on every request."""
    body = response.content.decode()
    for pattern, blank in _PER_REQUEST:
        body = pattern.sub(blank, body)
    return body


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def cells(predicate=lambda route, method, persona: True):
    """One pytest param per MATRIX cell, with KNOWN_BUGS marked strict xfail."""
    params = []
    for route, row in MATRIX.items():
        for method, answers in row.items():
            for persona in answers:
                if not predicate(route, method, persona):
                    continue
                marks = []
                bug = KNOWN_BUGS.get((route, method))
                if bug and persona != "anonymous":
                    marks = [pytest.mark.xfail(strict=True, reason=bug)]
                params.append(
                    pytest.param(route, method, persona, id=f"{route}-{method}-{persona}",
                                 marks=marks)
                )
    return params


def sign_in(client, people, persona):
    if people[persona] is not None:
        client.force_login(people[persona])
    return client


# --- The table itself --------------------------------------------------------------------------


def test_every_route_has_access_rules():
    """Every route outside the admin site is named, named once, and has a row in MATRIX."""
    names = [name for name, _ in walk(get_resolver())]
    assert len(names) == len(set(names)), "two routes share a name"
    assert routes_without_rules(get_resolver()) == set(), "routes without access rules"
    assert set(MATRIX) - set(names) == set(), "rows for routes that no longer exist"


def test_a_new_route_without_a_row_is_caught():
    """The check above sees a route added anywhere, even nested in an include."""
    probe = URLResolver(
        RegexPattern(r"^/"),
        [
            path("", lambda request: None, name="dashboard"),
            path("admin/", admin.site.urls),
            path("x/", (
                [path("new/", lambda request: None, name="unruled"),
                 path("anon/", lambda request: None)], None, None,
            )),
        ],
    )
    assert routes_without_rules(probe) == {"unruled", "<unnamed anon/>"}


def test_every_row_covers_both_methods_and_every_persona():
    for route, row in MATRIX.items():
        assert set(row) == {"GET", "POST"}, route
        for method, answers in row.items():
            assert tuple(answers) == PERSONAS, (route, method)


def test_only_the_login_page_is_public():
    """Anonymous is sent to log in everywhere except the login page."""
    public = {
        route for route, row in MATRIX.items()
        if any(answers["anonymous"] != LOGIN for answers in row.values())
    }
    assert public == PUBLIC_ROUTES


def test_mutating_routes_refuse_get_for_everyone():
    for route in MUTATING_ROUTES:
        assert {MATRIX[route]["GET"][persona] for persona in SIGNED_IN} == {405}, route


# --- The matrix, cell by cell ------------------------------------------------------------------


@pytest.mark.parametrize(("route", "method", "persona"), cells())
def test_access(route, method, persona, people, north, client):
    """The answer is the one in MATRIX, and only an accepted POST changes anything."""
    target = arrange(route, people, north)
    sign_in(client, people, persona)
    expected = MATRIX[route][method][persona]
    before = database_state()

    response = send(client, method, target.url, target.data)

    assert_answer(
        response, expected, method=method, url=target.url, anonymous=persona == "anonymous"
    )
    changed = database_state() != before
    accepted = method == "POST" and expected == 302
    assert changed == accepted, "accepted but nothing changed" if accepted else "refused, but wrote"


# --- Forbidden and missing look the same -------------------------------------------------------


def _handling_method(route):
    return "POST" if route in MUTATING_ROUTES else "GET"


@pytest.mark.parametrize(
    ("route", "method", "persona"),
    cells(lambda route, method, persona: route in OBJECT_ROUTES
          and method == _handling_method(route) and persona != "anonymous"),
)
def test_a_forbidden_object_is_indistinguishable_from_a_missing_one(
    route, method, persona, people, north, client
):
    """A reference that does not exist is refused; where the real object is refused with the same
    status, the whole page is the same, so a reference cannot be probed for existence."""
    target = arrange(route, people, north)
    sign_in(client, people, persona)
    expected = MATRIX[route][method][persona]
    refused_anyway = 403 if route in ROLE_GATED_BEFORE_LOOKUP and expected == 403 else 404

    real = send(client, method, target.url, target.data)
    missing = send(client, method, target.missing_url, target.data)

    assert real.status_code == expected
    assert missing.status_code == refused_anyway
    if expected == refused_anyway:
        assert page_without_per_request_tokens(real) == page_without_per_request_tokens(missing)
        assert set(real.headers) == set(missing.headers)


# --- Headers on every signed-in page -----------------------------------------------------------


@pytest.mark.parametrize("persona", SIGNED_IN)
@pytest.mark.parametrize("route", MAIN_PAGES)
def test_signed_in_pages_carry_the_security_headers(route, persona, people, north, client):
    """Whatever the answer (page, 403 or 404): not cached, strict CSP, isolation headers."""
    target = arrange(route, people, north)
    sign_in(client, people, persona)
    response = client.get(target.url)
    assert response.status_code == MATRIX[route]["GET"][persona]

    assert "no-store" in [part.strip() for part in response["Cache-Control"].split(",")]
    csp = response["Content-Security-Policy"]
    directives = csp_directives(csp)
    for directive in ("object-src", "base-uri", "frame-ancestors"):
        assert directives.get(directive) == ["'none'"], (directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


# --- CSRF and mass assignment ------------------------------------------------------------------


def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(alice, alices_case):
    """The same transition is refused without the token, and taken with it."""
    _consent(alices_case, alice)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    url = reverse("case-transition", args=[alices_case.reference])
    data = {"name": "begin_assessment", "expected_stage": Case.Stage.INTAKE, "reason": "Consent."}
    before = database_state()

    response = browser.post(url, data)

    assert response.status_code == 403
    assert database_state() == before
    alices_case.refresh_from_db()
    assert alices_case.stage == Case.Stage.INTAKE

    browser.get(alices_case.get_absolute_url())  # sets the CSRF cookie, as a browser would
    token = browser.cookies["csrftoken"].value
    assert browser.post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 302
    alices_case.refresh_from_db()
    assert alices_case.stage == Case.Stage.ASSESSMENT


def _smuggled(people, south, carols_case):
    """Fields no form on these routes accepts, aimed at the case, the record and the user."""
    return {
        "caseworker": people["carol"].pk, "team": south.pk, "stage": Case.Stage.CLOSED,
        "is_staff": "on", "is_superuser": "on", "case": carols_case.pk,
        "recorded_by": people["bob"].pk, "actor": people["bob"].pk, "withdrawn_at": _today(),
    }


def _assert_untouched(case, alice, north, stage):
    case.refresh_from_db()
    alice.refresh_from_db()
    assert (case.caseworker_id, case.team_id, case.stage) == (alice.pk, north.pk, stage)
    assert not alice.is_staff and not alice.is_superuser


def test_extra_fields_posted_with_consent_change_nothing_else(
    client, people, north, south, alices_case, carols_case
):
    alice = people["alice"]
    client.force_login(alice)
    data = {"purpose": "support", "method": "written", "given_on": _today()}
    data |= _smuggled(people, south, carols_case)

    response = client.post(reverse("case-consent", args=[alices_case.reference]), data)

    assert response.status_code == 302  # the consent itself was accepted
    _assert_untouched(alices_case, alice, north, Case.Stage.INTAKE)
    consent = Consent.objects.get()
    assert (consent.case_id, consent.recorded_by_id) == (alices_case.pk, alice.pk)
    assert consent.withdrawn_at is None


def test_extra_fields_posted_with_a_transition_change_nothing_else(
    client, people, north, south, alices_case, carols_case
):
    alice = people["alice"]
    _consent(alices_case, alice)
    client.force_login(alice)
    data = {"name": "begin_assessment", "expected_stage": Case.Stage.INTAKE, "reason": "Consent."}
    data |= _smuggled(people, south, carols_case)

    response = client.post(reverse("case-transition", args=[alices_case.reference]), data)

    assert response.status_code == 302
    # The transition's own target, not the posted stage.
    _assert_untouched(alices_case, alice, north, Case.Stage.ASSESSMENT)
    assert CaseTransition.objects.get().actor_id == alice.pk
    carols_case.refresh_from_db()
    assert carols_case.stage == Case.Stage.INTAKE


# --- The admin site ----------------------------------------------------------------------------

CASE_CONTENT = (
    Case, Person, Consent, Assessment, ServicePlan, FollowUp, CaseTransition, Referral
)


@pytest.mark.parametrize("model", CASE_CONTENT, ids=lambda model: model._meta.label)
def test_case_content_has_no_admin_page(model):
    assert not admin.site.is_registered(model)


def test_no_admin_page_shows_case_content_inline():
    for model_admin in admin.site._registry.values():
        for inline in model_admin.inlines:
            assert inline.model not in CASE_CONTENT, (model_admin, inline)


@pytest.mark.parametrize("persona", ["adam", "root"])
def test_admins_reach_the_admin_site_but_not_case_content(persona, people, client, alices_case):
    sign_in(client, people, persona)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(alices_case.get_absolute_url()).status_code == 404
    assert client.get("/admin/casework/case/").status_code == 404
    assert client.get("/admin/referrals/referral/").status_code == 404


# --- Casework in depth: arranging its routes, and what they can change -----------------------


def arrange_casework(route, people, north) -> Target:
    """Alice's case at the stage the route needs, with the record the route acts on."""
    from casework.models import CaseNote, Intervention, PlanGoal, Task

    alice, sam = people["alice"], people["sam"]
    if route in {"case-search", "team-overview", "notification-list", "notification-read"}:
        data = {"query": "Testfirst Testlast"} if route == "case-search" else {}
        return Target(reverse(route), reverse(route), data)
    now = timezone.now()
    data, second_id = {}, None
    if route == "case-assessment-form":
        case = _alices_case(people, north, Case.Stage.ASSESSMENT)
    elif route in {"case-assessment-detail", "case-assessment-compare", "case-assessment-sign-off"}:
        case = _alices_case(people, north, Case.Stage.FOLLOW_UP)
        assessment = Assessment.objects.create(
            case=case, version=1, risk_level="low", needs_summary="Test needs.",
            completed_by=alice, completed_at=now,
        )
        if route == "case-assessment-compare":
            assessment = Assessment.objects.create(
                case=case, version=2, risk_level="moderate", needs_summary="Test needs.",
                completed_by=alice, completed_at=now,
            )
        second_id = assessment.pk
    elif route in {"case-plan-detail", "case-plan-goal", "case-plan-intervention",
                   "case-plan-discard", "case-plan-revise", "case-intervention-status"}:
        in_force = route in {"case-plan-revise", "case-intervention-status"}
        case = _alices_case(
            people, north, Case.Stage.FOLLOW_UP if in_force else Case.Stage.SERVICE_PLAN
        )
        plan = ServicePlan.objects.create(
            case=case, created_by=alice, approved_by=sam if in_force else None,
            approved_at=now if in_force else None,
        )
        goal = PlanGoal.objects.create(plan=plan, description="Test goal.")
        service = ServiceFactory()
        intervention = Intervention.objects.create(goal=goal, service=service)
        plan.services.add(service)
        second_id = intervention.pk if route == "case-intervention-status" else plan.pk
        if route == "case-plan-goal":
            data = {"description": "Test goal.", "services": [ServiceFactory().pk]}
        elif route == "case-plan-intervention":
            data = {"goal": goal.pk, "service": ServiceFactory().pk}
        elif route == "case-intervention-status":
            data = {"status": "completed"}
    elif route == "case-follow-up-schedule":
        case = _alices_case(people, north, Case.Stage.FOLLOW_UP)
        data = {"kind": "check_in", "due_on": _today()}
    elif route in {"case-follow-up-detail", "case-follow-up-outcome"}:
        case = _alices_case(people, north, Case.Stage.FOLLOW_UP)
        follow_up = FollowUp.objects.create(
            case=case, kind="check_in", due_on=_today(), outcome="scheduled", recorded_by=alice
        )
        second_id = follow_up.pk
        if route == "case-follow-up-outcome":
            data = {"outcome": "completed", "happened_on": _today(), "summary": "Test summary."}
    elif route == "case-note":
        case = _alices_case(people, north)
        data = {"text": "Test note.", "sensitivity": "standard"}
    elif route in {"case-note-detail", "case-note-addendum"}:
        case = _alices_case(people, north)
        second_id = CaseNote.objects.create(case=case, author=alice, text="Test note.").pk
        if route == "case-note-addendum":
            data = {"text": "Test addendum."}
    elif route == "case-task":
        case = _alices_case(people, north)
        data = {"title": "Test task.", "owner": alice.pk, "due_on": _today()}
    elif route == "case-task-done":
        case = _alices_case(people, north)
        second_id = Task.objects.create(
            case=case, owner=alice, kind="other", title="Test task.", due_on=_today()
        ).pk
    else:
        raise AssertionError(f"no arrangement for {route}: add one")
    extra = [second_id] if second_id is not None else []
    return Target(
        reverse(route, args=[case.reference, *extra]),
        reverse(route, args=[MISSING_CASE, *extra]),
        data,
    )


def casework_state() -> dict:
    """What the casework-in-depth routes can change."""
    from casework.models import CaseNote, Intervention, PlanGoal, Task

    return {
        "sign_offs": list(Assessment.objects.order_by("pk").values_list("pk", "signed_off_by_id")),
        "plan_goals": PlanGoal.objects.count(),
        "interventions": list(Intervention.objects.order_by("pk").values_list("pk", "status")),
        "outcomes": list(FollowUp.objects.order_by("pk").values_list("pk", "outcome")),
        "notes": CaseNote.objects.count(),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "owner_id", "done_at")),
    }
