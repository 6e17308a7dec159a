"""Fuzzy duplicate detection: a returning person with a typo, a hyphen, a nickname or a date of
birth one day or year off (or with day and month swapped) is flagged to the screener, scored and
with reasons, on staff, partner and public referrals alike; nothing of the case is shown."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.models import Person
from referrals import fuzzy, matching
from referrals.models import MatchLink
from tests.factories import CaseFactory, PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

BORN = datetime.date(1998, 2, 11)
SECRET_NOTE = "CANARY-CASE-CONTENT-9127"


@pytest.fixture
def zephyr(north, alice):
    person = PersonFactory(first_name="Zephyr", last_name="Quillfeather", date_of_birth=BORN)
    case = CaseFactory(person=person, team=north, caseworker=alice)
    case.notes.create(author=alice, text=SECRET_NOTE)
    return person


def similar(first, last, dob=BORN, **extra):
    referral = ReferralFactory(first_name=first, last_name=last, date_of_birth=dob, **extra)
    return [m for m in matching.possible_people(referral) if m.basis == MatchLink.Basis.SIMILAR]


@pytest.mark.parametrize("first, last, dob, reason", [
    ("Zephyr", "Quilfeather", BORN, "name similar"),  # one letter missing
    ("Zephyr", "Quill-feather", BORN, "same name"),  # a hyphen
    ("Zephyr", "Quill feather", BORN, "same name"),  # a space
    ("Zephyr", "Quillfaether", BORN, "name similar"),  # transposed letters
    ("Zephyr", "Quillfeather", datetime.date(1998, 2, 12), "date of birth one day off"),
    ("Zephyr", "Quillfeather", datetime.date(1998, 2, 10), "date of birth one day off"),
    ("Zephyr", "Quillfeather", datetime.date(1997, 2, 11), "date of birth one year off"),
    ("Zephyr", "Quillfeather", datetime.date(1998, 11, 2), "day and month swapped"),
    ("Zephyr", "Quilfeather", datetime.date(1998, 2, 12), "date of birth one day off"),
    ("Quillfeather", "Zephyr", datetime.date(1998, 2, 12), "first and last names swapped"),
])
def test_a_returning_person_is_flagged_with_the_reason(zephyr, first, last, dob, reason):
    (match,) = similar(first, last, dob)
    assert match.person == zephyr
    assert reason in match.reasons
    assert fuzzy.THRESHOLD <= match.score <= 1


def test_a_nickname_meets_the_given_name(north):
    william = PersonFactory(first_name="William", last_name="Ashgrove", date_of_birth=BORN)
    (match,) = similar("Bill", "Ashgrove")
    assert match.person == william and "known nickname" in match.reasons


@pytest.mark.parametrize("first, last, dob", [
    ("Zara", "Quillfeather", BORN),  # a sibling: same surname and birthday
    ("Zephyr", "Quillfeather", datetime.date(1975, 8, 21)),  # same name, another person
    ("Marigold", "Tumbleweed", BORN),  # same birthday only
])
def test_someone_else_is_not_flagged(zephyr, first, last, dob):
    assert similar(first, last, dob) == []


def test_the_exact_match_is_not_repeated_as_a_similar_one(zephyr):
    referral = ReferralFactory(first_name="Zephyr", last_name="Quillfeather", date_of_birth=BORN)
    assert [m.basis for m in matching.possible_people(referral)] == [MatchLink.Basis.NAME_DOB]


@pytest.mark.parametrize("channel", ["staff", "partner", "public"])
def test_the_screener_sees_the_score_and_reasons_and_no_case_content(client, ivy, zephyr,
                                                                      channel):
    referral = ReferralFactory(first_name="Zephyr", last_name="Quill-feather", channel=channel,
                               date_of_birth=datetime.date(1998, 2, 12))
    client.force_login(ivy)
    body = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    panel = body.split('id="matches"')[1].split("</section>")[0]
    assert zephyr.reference in panel
    assert "Similar name or date of birth" in panel and "Date of birth one day off" in panel
    assert "score 0." in panel or "score 1." in panel
    assert SECRET_NOTE not in body
    assert "11 Feb 1998" not in body and "1998-02-11" not in body  # the known person's date


def test_a_similar_match_can_be_linked_and_is_recorded_as_such(client, ivy, zephyr):
    referral = ReferralFactory(first_name="Zephyr", last_name="Quilfeather", date_of_birth=BORN)
    client.force_login(ivy)
    response = client.post(reverse("referral-link", args=[referral.reference]),
                           {"person": zephyr.reference})
    assert response.status_code == 302
    link = MatchLink.objects.get()
    assert (link.person, link.basis) == (zephyr, MatchLink.Basis.SIMILAR)


def test_the_benchmark_measures_recall_and_precision_and_keeps_nothing(capsys):
    people = Person.objects.count()
    call_command("match_benchmark", people=80, distractors=40, seed=3)
    out = capsys.readouterr().out
    assert "Known people: 80, distractors: 40" in out
    line = next(line for line in out.splitlines() if line.startswith("Recall:"))
    recall, precision = (float(part.split(":")[1].strip(" %")) for part in
                         line.replace("Precision", "|Precision").split("|"))
    assert recall >= 90 and precision >= 95
    assert Person.objects.count() == people
