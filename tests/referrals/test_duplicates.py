"""Duplicate detection through the blind indexes, and what a coordinator may learn from it.

A match is found whatever the case, accents, spacing or order of the names, through other known
names (aliases) and phone numbers, and never for a different date of birth. The coordinator sees
that a match exists, which team holds the person's open case and the outline of past episodes;
never the content of a case they may not see. Linking a match is recorded.
"""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from casework.models import Case, CaseTransition, Consent
from referrals import matching, workflow
from referrals.models import MatchLink, Referral
from tests.factories import CaseFactory, PersonFactory, ReferralFactory

DOB = datetime.date(1990, 3, 4)


def _referral(first, last, dob=DOB, **extra):
    return ReferralFactory(first_name=first, last_name=last, date_of_birth=dob, **extra)


@pytest.mark.parametrize(
    "first, last",
    [
        ("José", "Álvarez"),
        ("JOSE", "ALVAREZ"),
        ("  josé ", " álvarez  "),
        ("Álvarez", "José"),  # name order
        ("Jose-", "Alvarez"),
    ],
)
@pytest.mark.django_db
def test_it_finds_a_known_person_whatever_the_case_accents_spacing_or_order(jose, first, last):
    matches = matching.possible_people(_referral(first, last))
    assert [(m.person, m.basis) for m in matches] == [(jose, MatchLink.Basis.NAME_DOB)]


@pytest.mark.django_db
def test_it_finds_nothing_for_a_different_date_of_birth(jose):
    referral = _referral("José", "Álvarez", datetime.date(1975, 8, 21))
    assert matching.possible_people(referral) == []


@pytest.mark.django_db
def test_it_finds_a_person_under_another_known_name(jose):
    matches = matching.possible_people(_referral("Pépé", "ALVAREZ"))
    assert [(m.person, m.basis) for m in matches] == [(jose, MatchLink.Basis.ALIAS_DOB)]
    # ... but not under that name with another date of birth.
    assert matching.possible_people(_referral("Pepe", "Alvarez", datetime.date(2001, 1, 1))) == []


@pytest.mark.django_db
def test_a_name_without_a_date_of_birth_is_a_weaker_match(jose):
    matches = matching.possible_people(_referral("jose", "alvarez", dob=None))
    assert [(m.person, m.basis) for m in matches] == [(jose, MatchLink.Basis.NAME)]


@pytest.mark.django_db
def test_it_finds_a_person_by_a_normalised_phone_number(jose):
    referral = _referral("Someone", "Else", dob=None, phone="+1 (312) 555-0100")
    assert [(m.person, m.basis) for m in matching.possible_people(referral)] == [
        (jose, MatchLink.Basis.PHONE)]


@pytest.mark.django_db
def test_it_finds_other_referrals_about_the_same_person(jose):
    first = _referral("Jose", "Alvarez")
    second = _referral("ÁLVAREZ", "josé")
    other_dob = _referral("Jose", "Alvarez", datetime.date(1970, 1, 1))
    merged = _referral("Jose", "Alvarez", status=Referral.Status.MERGED)
    found = [m.referral for m in matching.possible_duplicates(second)]
    assert found == [first]
    assert other_dob not in found and merged not in found


@pytest.mark.django_db
def test_finding_matches_costs_the_same_for_1_and_20_candidates(
    django_assert_max_num_queries, north
):
    for _ in range(20):
        CaseFactory(person=PersonFactory(first_name="jose", last_name="alvarez",
                                         date_of_birth=DOB), team=north)
    referral = _referral("José", "Álvarez")
    with django_assert_max_num_queries(4):  # the exact indexes, episodes, and fuzzy matching
        matches = matching.possible_people(referral)
    assert len(matches) == 20


# What the coordinator sees ---------------------------------------------------------------------

SECRET_NOTE = "CANARY-CASE-CONTENT-4471"


@pytest.fixture
def jose_at_assessment(jose, alice, north):
    """jose's open case with alice, past intake, so ivy may not see it."""
    case = CaseFactory(person=jose, team=north, caseworker=alice, stage=Case.Stage.ASSESSMENT)
    Consent.objects.create(case=case, method="written", given_on=datetime.date(2026, 1, 2),
                           recorded_by=alice)
    CaseTransition.objects.create(case=case, name="begin_assessment", source="intake",
                                  target="assessment", actor=alice, reason=SECRET_NOTE)
    return case


@pytest.mark.django_db
def test_a_coordinator_sees_that_a_match_exists_and_the_team_never_the_content(
    client, ivy, jose, jose_at_assessment
):
    referral = _referral("José", "Álvarez")
    client.force_login(ivy)
    assert client.get(jose_at_assessment.get_absolute_url()).status_code == 404
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    section = page[page.index('id="matches"'):page.index('id="checks-heading"')]
    assert f"Known person {jose.reference}" in section
    assert "Name and date of birth" in section
    assert "Open case held by: North" in section
    for content in (SECRET_NOTE, jose_at_assessment.reference, "Pepe", "312 555 0100", "alice",
                    "Assessment"):
        assert content not in section, content
    # Looking is on the record: which people ivy saw as matches for this referral.
    entry = LogEntry.objects.get_for_object(referral).get(
        action=LogEntry.Action.ACCESS, actor=ivy, additional_data__part="possible matches")
    assert entry.additional_data["people"] == [jose.reference]


@pytest.mark.django_db
def test_a_coordinator_sees_nothing_for_a_different_date_of_birth(client, ivy, jose,
                                                                  jose_at_assessment):
    referral = _referral("José", "Álvarez", datetime.date(1985, 1, 1))
    client.force_login(ivy)
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    section = page[page.index('id="matches"'):page.index('id="checks-heading"')]
    assert "No known person matches this referral." in section
    assert jose.reference not in section and "North" not in section


@pytest.mark.django_db
def test_linking_a_match_is_recorded(client, ivy, jose):
    referral = _referral("José", "Álvarez")
    client.force_login(ivy)
    response = client.post(reverse("referral-link", args=[referral.reference]),
                           {"person": jose.reference})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.person == jose
    link = MatchLink.objects.get()
    assert (link.referral, link.person, link.basis, link.actor) == (
        referral, jose, "name_dob", ivy)
    assert LogEntry.objects.get_for_object(link).filter(action=LogEntry.Action.CREATE,
                                                        actor=ivy).exists()
    update = LogEntry.objects.get_for_object(referral).filter(
        action=LogEntry.Action.UPDATE, actor=ivy).get()
    assert "person" in update.changes_dict
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    assert "Linked" in page and "by ivy" in page


@pytest.mark.django_db
def test_a_person_who_is_not_a_match_cannot_be_linked(client, ivy, jose):
    stranger = PersonFactory()
    referral = _referral("José", "Álvarez", datetime.date(1985, 1, 1))
    client.force_login(ivy)
    for reference in (stranger.reference, jose.reference, "P-ZZZZZZZZ"):
        response = client.post(reverse("referral-link", args=[referral.reference]),
                               {"person": reference})
        assert response.status_code == 400
        assert "not a possible match" in response.content.decode()
    assert not MatchLink.objects.exists()
    referral.refresh_from_db()
    assert referral.person is None


@pytest.mark.django_db
def test_accepting_a_linked_match_opens_the_case_for_that_person(ivy, north, jose):
    """Matched through an alias: the case is for the known person, not a new one."""
    referral = _referral("Pepe", "Alvarez")
    workflow.link_person(referral, jose.reference, actor=ivy)
    decision = workflow.screen_referral(referral, "accept", actor=ivy, reason="Known.",
                                        team=north)
    assert decision.case.person == jose


# A returning person ---------------------------------------------------------------------------


@pytest.fixture
def earlier_episode(jose, alice, north):
    case = CaseFactory(person=jose, team=north, caseworker=alice, stage=Case.Stage.CLOSED,
                       closure_reason=Case.ClosureReason.GOALS_MET)
    Case.objects.filter(pk=case.pk).update(  # dates in the past, as history
        opened_at=datetime.datetime(2024, 1, 10, 12, tzinfo=datetime.UTC),
        closed_at=datetime.datetime(2024, 9, 30, 12, tzinfo=datetime.UTC),
    )
    case.refresh_from_db()
    return case


@pytest.mark.django_db
def test_screeners_see_the_history_of_a_returning_person(client, ivy, jose, earlier_episode):
    referral = _referral("Jose", "Alvarez")
    client.force_login(ivy)
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    section = page[page.index('id="matches"'):page.index('id="checks-heading"')]
    assert "Earlier episodes" in section
    for shown in ("10 Jan 2024", "30 Sep 2024", "Closed", "Plan goals met", "North"):
        assert shown in section, shown
    assert earlier_episode.reference not in section
    assert "No open case." in section


@pytest.mark.django_db
def test_a_returning_person_starts_a_new_episode_linked_to_the_earlier_one(
    ivy, north, jose, earlier_episode
):
    referral = _referral("Jose", "Alvarez")
    workflow.link_person(referral, jose.reference, actor=ivy)
    decision = workflow.screen_referral(referral, "accept", actor=ivy, reason="Back again.",
                                        team=north)
    new_case = decision.case
    assert new_case != earlier_episode and new_case.person == jose
    assert new_case.stage == Case.Stage.INTAKE
    referral.refresh_from_db()
    assert referral.previous_case == earlier_episode
    assert list(jose.cases.order_by("opened_at")) == [earlier_episode, new_case]


@pytest.mark.django_db
def test_the_history_is_for_screeners_only(client, alice, jose, earlier_episode):
    """alice entered the referral: she sees it, but not the matching panel."""
    referral = _referral("Jose", "Alvarez", entered_by=alice)
    client.force_login(alice)
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    assert 'id="matches"' not in page and jose.reference not in page


@pytest.mark.django_db
def test_the_screening_page_costs_the_same_for_1_and_10_matches(client, ivy, north):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    referral = _referral("Jose", "Alvarez")
    client.force_login(ivy)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("referral-detail", args=[referral.reference])).status_code \
                == 200
        return len(queries)

    def known_jose():
        person = PersonFactory(first_name="jose", last_name="alvarez", date_of_birth=DOB)
        CaseFactory(person=person, team=north)
        CaseFactory(person=person, team=north, stage=Case.Stage.CLOSED)

    known_jose()
    one = count()
    for _ in range(9):
        known_jose()
    assert count() == one
