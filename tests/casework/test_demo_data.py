"""The demo data behind `make run`: every role can sign in, and cases span every stage."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework.management.commands.load_demo import DEMO_PASSWORD, USERS
from casework.models import Case


def sign_in(client, username):
    """The password, then the code `manage.py demo_code USERNAME` would print."""
    import io

    client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    code = io.StringIO()
    call_command("demo_code", username, stdout=code)
    return client.post(reverse("mfa-verify"), {"code": code.getvalue().strip()})


@pytest.fixture
def demo(db, settings):
    # Hashing strength is tested in test_settings; here it would only cost seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_each_demo_role_signs_in_through_the_login_form(demo, client):
    for username, _role in USERS:
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get(reverse("dashboard"))["Location"].startswith(reverse("mfa-verify"))
        client.post(reverse("logout"))
        assert sign_in(client, username).status_code == 302, username
        assert client.get(reverse("dashboard")).status_code == 200
        client.post(reverse("logout"))


def test_demo_cases_cover_every_stage_and_each_caseworker_has_cases_the_other_cannot_see(demo, client):
    assert set(Case.objects.values_list("stage", flat=True)) == set(Case.Stage.values)
    mine = Case.objects.filter(caseworker__username="caseworker").first()
    sign_in(client, "caseworker2")
    assert client.get(mine.get_absolute_url()).status_code == 404


def test_loading_twice_changes_nothing(demo):
    before = Case.objects.count()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Case.objects.count() == before


def test_the_demo_shows_the_casework_in_depth(demo, client):
    """Structured assessments (one reassessed, to compare), plans with goals linked to needs,
    scheduled follow-up, post-exit reviews, notes of each kind, tasks, and the daily notices."""
    from casework.management.commands.load_demo import PEOPLE
    from casework.models import (
        Assessment,
        CaseNote,
        FollowUp,
        Notification,
        PlanGoal,
        Task,
    )

    assert Assessment.objects.filter(ratings__isnull=False).distinct().count() >= 6
    reassessed = Assessment.objects.get(version=2)
    assert reassessed.change_summary
    assert PlanGoal.objects.filter(need__isnull=False).count() >= 6
    assert FollowUp.objects.filter(outcome="scheduled", kind="check_in").exists()
    assert FollowUp.objects.filter(outcome="scheduled", kind="post_exit_review").count() == 2
    assert set(CaseNote.objects.values_list("sensitivity", flat=True)) == {
        "standard", "restricted", "health"}
    assert Task.objects.filter(kind="other", due_on__lt=timezone.localdate(Case.objects.first().opened_at)
                               ).exists()
    assert Notification.objects.filter(user__username="supervisor").exists()
    names = {value for row in PEOPLE for value in row[:3]}
    for message in Notification.objects.values_list("message", flat=True):
        assert not any(name in message for name in names)
    # The comparison page of the reassessed case opens for its caseworker.
    sign_in(client, "caseworker")
    url = reverse("case-assessment-compare", args=[reassessed.case.reference, reassessed.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Significant changes" in response.content.decode()


def test_the_caseworkers_assessment_case_is_left_for_the_browser_journey(demo):
    """tests/browser/test_casework_journey.py assesses it from scratch."""
    case = Case.objects.filter(caseworker__username="caseworker", stage="assessment").first()
    assert case is not None and not case.assessments.exists()


def test_the_demo_keeps_its_own_approvals(demo):
    """No demo case went past a gate without its approval: every completed assessment of a case
    past assessment is signed off, each closed case closed by an approved request, and every
    transition has its reason."""
    from casework.models import Assessment, CaseTransition, ClosureRequest

    past_assessment = Case.objects.exclude(stage__in=["intake", "assessment", "screened_out",
                                                      "escalated"])
    unsigned = Assessment.objects.filter(case__in=past_assessment, completed_at__isnull=False,
                                         signed_off_at__isnull=True)
    assert not unsigned.exists()
    for case in Case.objects.filter(stage="closed"):
        assert case.closure_requests.get().outcome == ClosureRequest.Outcome.APPROVED
    assert all(step.reason.strip() for step in CaseTransition.objects.all())  # encrypted
