"""The structured assessment: the default instrument, drafts, completion, versions, comparison,
the supervisor's sign-off, and the record of every read."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from casework import selectors, workflow
from casework.models import Assessment, AssessmentRating, Domain, Instrument
from casework.refusals import Refused
from casework.workflow import copy_instrument
from tests.casework.conftest import access_entries, factor, move, rate

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db

PREVENTION = {
    "engagement": {"grievance", "threat", "identity", "status", "excitement", "influence",
                   "family_violence", "transitions", "group_influence", "mental_health"},
    "intent": {"over_identification", "us_and_them", "dehumanisation", "justifies_offending",
               "harmful_means", "harmful_ends"},
    "capability": {"knowledge_skills", "networks", "funding_weapons", "criminal_history"},
    "protective": {"family_community", "employment_education", "help_seeking",
                   "positive_relationships"},
}
REENTRY_NEEDS = {"housing", "employment", "id_documents", "benefits", "physical_health",
                 "mental_health", "substance_use", "family_children", "mentoring",
                 "education_training", "transport", "supervision"}


def test_the_default_instrument_covers_both_pathways(instrument):
    """VAF-style prevention dimensions and protective factors, and every re-entry need."""
    assert instrument.is_published and instrument.version == 1
    domains = {d.code: d for d in instrument.domains.prefetch_related("factors")}
    for code, factors in PREVENTION.items():
        assert {f.code for f in domains[code].factors.all()} == factors
    assert domains["protective"].kind == Domain.Kind.PROTECTIVE
    needs = {f.code for d in domains.values() if d.kind == Domain.Kind.NEED
             for f in d.factors.all()}
    assert needs == REENTRY_NEEDS


def test_a_draft_keeps_ratings_and_completing_it_records_who_and_when(at_assessment, alice,
                                                                      instrument):
    draft = workflow.save_assessment(
        at_assessment, actor=alice, ratings=rate(instrument, engagement__grievance="low"),
    )
    assert not draft.is_complete
    assert draft.ratings.get().rating == "low"
    done = workflow.save_assessment(
        at_assessment, actor=alice, complete=True, risk_level="high", needs_summary="Summary.",
        ratings=rate(instrument, engagement__grievance=("moderate", "Says the council lied."),
                     intent__us_and_them="high"),
    )
    assert done.pk == draft.pk and done.version == 1
    assert done.is_complete and done.completed_by == alice and done.completed_at
    ratings = {r.factor.code: (r.rating, r.evidence) for r in done.ratings.select_related("factor")}
    assert ratings == {"grievance": ("moderate", "Says the council lied."),
                       "us_and_them": ("high", "")}


def test_completing_needs_a_risk_level_and_a_needs_summary(at_assessment, alice, instrument):
    with pytest.raises(Refused) as refused:
        workflow.complete_assessment(at_assessment, actor=alice, risk_level="", needs_summary=" ",
                                     ratings=rate(instrument, engagement__status="low"))
    assert refused.value.messages == ["Choose the overall risk level.",
                                      "Write the needs summary."]
    assert not Assessment.objects.exists() and not AssessmentRating.objects.exists()


def test_the_assessment_page_refuses_completion_with_a_clear_message(client, at_assessment, alice):
    client.force_login(alice)
    response = client.post(reverse("case-assessment", args=[at_assessment.reference]),
                           {"action": "complete", "risk_level": "", "needs_summary": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose the overall risk level to complete it." in body
    assert "Write the needs summary to complete it." in body
    assert not Assessment.objects.exists()


def test_planning_is_refused_until_an_assessment_is_complete(at_assessment, alice, instrument):
    workflow.save_assessment(at_assessment, actor=alice,
                             ratings=rate(instrument, engagement__status="low"))
    with pytest.raises(workflow.TransitionRefused, match="Complete an assessment"):
        move(at_assessment, "start_planning", alice)


def test_unknown_ratings_and_factors_are_refused(at_assessment, alice, instrument):
    with pytest.raises(Refused, match="rating from the list"):
        workflow.save_assessment(at_assessment, actor=alice,
                                 ratings=rate(instrument, engagement__status="extreme"))
    with pytest.raises(Refused, match="out of date"):
        workflow.save_assessment(at_assessment, actor=alice, ratings={999999: ("low", "")})


def test_reassessment_is_a_new_version_and_history_stays_readable(
    client, assessed, alice, instrument
):
    first = assessed.assessments.get()
    second = workflow.complete_assessment(
        assessed, actor=alice, risk_level="low", needs_summary="Housed now.",
        ratings=rate(instrument, housing_income__housing="low"),
    )
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.risk_level == "moderate"  # the earlier version never changes
    client.force_login(alice)
    for version in (first, second):
        page = client.get(reverse("case-assessment-detail", args=[assessed.reference, version.pk]))
        assert page.status_code == 200
        assert f"Assessment, version {version.version}" in page.content.decode()


def test_only_one_draft_at_a_time(at_assessment, alice, instrument):
    one = workflow.save_assessment(at_assessment, actor=alice)
    two = workflow.save_assessment(at_assessment, actor=alice)
    assert one.pk == two.pk and at_assessment.assessments.count() == 1


def test_the_comparison_shows_each_factor_and_summarises_significant_changes(
    assessed, alice, instrument
):
    second = workflow.complete_assessment(
        assessed, actor=alice, risk_level="high", needs_summary="Lost the job.",
        ratings=rate(instrument, housing_income__housing="low",  # high -> low: better
                     housing_income__employment="high",  # moderate -> high: worse
                     protective__help_seeking="low",  # protective high -> low: worse
                     engagement__grievance="low"),  # newly rated
    )
    comparison = selectors.compare_assessments(selectors.previous_assessment(second), second)
    changes = {c.factor.code: c for c in comparison.changes}
    assert changes["housing"].direction == "better" and changes["housing"].is_significant
    assert changes["employment"].direction == "worse" and changes["employment"].is_significant
    assert changes["help_seeking"].direction == "worse"
    assert changes["grievance"].direction == ""  # not rated before
    assert changes["transport"].before is None and changes["transport"].after is None
    summary = comparison.summary
    assert summary[0] == "Overall risk level rose from Moderate to High."
    assert "Employment (Housing, work and income) worsened: Moderate to High." in summary
    assert "Help-seeking (Protective factors) worsened: High to Low." in summary
    assert "Housing (Housing, work and income) improved: High to Low." in summary
    assert "2 factors worse, 1 better, 0 unchanged." in summary
    assert "1 factors rated for the first time." in summary


def test_comparison_matches_factors_across_instrument_versions(assessed, alice, instrument):
    """A city edits its instrument: factors with the same codes are still compared."""
    newer = copy_instrument(instrument)
    factor(newer, "housing_income", "benefits").delete()
    newer.published_at = instrument.published_at.replace(year=instrument.published_at.year + 1)
    newer.save()
    assert Instrument.current() == newer
    second = workflow.complete_assessment(
        assessed, actor=alice, risk_level="moderate", needs_summary="Same.",
        ratings=rate(newer, housing_income__housing="high"),
    )
    assert second.instrument == newer
    comparison = selectors.compare_assessments(selectors.previous_assessment(second), second)
    housing = next(c for c in comparison.changes if c.factor.code == "housing")
    assert (housing.before_label, housing.after_label, housing.direction) == ("High", "High",
                                                                              "same")
    assert "benefits" not in {c.factor.code for c in comparison.changes}


def test_the_comparison_page(client, assessed, alice, instrument):
    second = workflow.complete_assessment(
        assessed, actor=alice, risk_level="high", needs_summary="Worse.",
        ratings=rate(instrument, housing_income__employment="high"),
        change_summary="Lost the job last week.",
    )
    client.force_login(alice)
    response = client.get(reverse("case-assessment-compare", args=[assessed.reference, second.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Overall risk level rose from Moderate to High." in body
    assert 'data-factor="housing_income.employment" data-direction="worse"' in body
    assert "Lost the job last week." in body
    first = selectors.previous_assessment(second)
    nothing_before = client.get(
        reverse("case-assessment-compare", args=[assessed.reference, first.pk])
    )
    assert nothing_before.status_code == 404


def test_completing_a_reassessment_through_the_page_shows_what_changed(
    client, assessed, alice, instrument
):
    client.force_login(alice)
    housing = factor(instrument, "housing_income", "housing")
    response = client.post(reverse("case-assessment", args=[assessed.reference]), {
        "action": "complete", "risk_level": "low", "needs_summary": "Housed.",
        f"rating_{housing.pk}": "none", f"evidence_{housing.pk}": "Signed a tenancy.",
    })
    second = assessed.assessments.get(version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("case-assessment-compare",
                                           args=[assessed.reference, second.pk])


def test_the_supervisor_signs_off_once_and_not_their_own(at_assessment, alice, bob, sam, sofia):
    assessment = workflow.complete_assessment(at_assessment, actor=alice, risk_level="low",
                                              needs_summary="n")
    assessed = at_assessment
    for outsider in (alice, bob, sofia):
        with pytest.raises(PermissionDenied):
            workflow.sign_off_assessment(assessment, actor=outsider)
    workflow.sign_off_assessment(assessment, actor=sam)
    assert assessment.signed_off_by == sam and assessment.signed_off_at
    with pytest.raises(workflow.TransitionRefused, match="already signed off"):
        workflow.sign_off_assessment(assessment, actor=sam)
    own = workflow.complete_assessment(assessed, actor=sam, risk_level="low", needs_summary="s")
    with pytest.raises(workflow.TransitionRefused, match="someone other than"):
        workflow.sign_off_assessment(own, actor=sam)


def test_drafts_cannot_be_signed_off(at_assessment, alice, sam):
    draft = workflow.save_assessment(at_assessment, actor=alice)
    with pytest.raises(workflow.TransitionRefused, match="completed assessment"):
        workflow.sign_off_assessment(draft, actor=sam)


def test_assessments_are_refused_outside_assessment_to_follow_up(client, alices_case, alice,
                                                                  instrument):
    with pytest.raises(Refused, match="from assessment until follow-up"):
        workflow.save_assessment(alices_case, actor=alice)  # at intake
    client.force_login(alice)
    response = client.post(reverse("case-assessment", args=[alices_case.reference]),
                           {"risk_level": "low", "needs_summary": "n"})
    assert response.status_code == 400
    assert "Assessments are recorded from assessment until follow-up." in (
        response.content.decode())
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("route", ["case-assessment-detail", "case-assessment-compare"])
def test_each_read_writes_exactly_one_access_entry(client, assessed, alice, instrument, route):
    second = workflow.complete_assessment(assessed, actor=alice, risk_level="low",
                                          needs_summary="s")
    client.force_login(alice)
    before = access_entries().count()
    assert client.get(reverse(route, args=[assessed.reference, second.pk])).status_code == 200
    assert access_entries().count() == before + 1
    entry = access_entries(second).latest("pk")
    assert entry.actor == alice and entry.cid and entry.remote_addr == "127.0.0.1"


def test_the_assessment_form_page_is_one_read_too(client, assessed, alice):
    client.force_login(alice)
    before = access_entries().count()
    response = client.get(reverse("case-assessment-form", args=[assessed.reference]))
    assert response.status_code == 200
    assert "Last time: High" in response.content.decode()  # housing, beside the factor
    assert access_entries().count() == before + 1


def test_ratings_and_evidence_are_encrypted_and_masked_in_the_log(assessed):
    from auditlog.models import LogEntry

    from tests.casework.test_notes import raw_row

    rating = next(r for r in AssessmentRating.objects.all() if r.evidence == "No fixed address.")
    assert "No fixed address." not in raw_row(AssessmentRating, rating.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rating FROM casework_assessmentrating WHERE id = %s", [rating.pk])
        stored = cursor.fetchone()[0]
    assert rating.rating == "high" and stored != "high" and len(stored) > 50
    entry = LogEntry.objects.get_for_object(rating).get(action=LogEntry.Action.CREATE)
    assert "No fixed address." not in str(entry.changes)
