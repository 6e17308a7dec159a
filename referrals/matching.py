"""Duplicate detection through the keyed blind indexes: never by decrypting the whole table.

A referral's normalised name, name with date of birth and phone number are indexed like a
person's (casework.crypto), so "José Álvarez, 1990-03-04" and "alvarez jose" with the same date
of birth meet on the same index value. Candidates come from one indexed query; only their dates
of birth are decrypted, to drop a name match whose date of birth differs.

What a screener learns about a match is deliberately thin: that a known person matches, on what
basis, which teams hold their cases, and the outline of earlier, closed episodes (dates, outcome,
closure reason), never the content of a case.

Beyond the exact indexes, referrals.fuzzy finds people whose names or dates of birth are alike
(typos, hyphens, nicknames, a date one day or year off or with day and month swapped), scored,
with the reasons the screener is shown.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from casework.models import Case, Person, PersonAlias
from referrals import fuzzy
from referrals.models import MatchLink, Referral

Basis = MatchLink.Basis
_STRENGTH = [Basis.NAME_DOB, Basis.ALIAS_DOB, Basis.NAME, Basis.PHONE, Basis.SIMILAR]


@dataclass(frozen=True)
class EarlierEpisode:
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    outcome: str
    closure_reason: str
    team: str


@dataclass(frozen=True)
class OpenEpisode:
    reference: str  # used only as a form value to attach the referral; not shown
    team: str
    opened_at: datetime.datetime


@dataclass
class PersonMatch:
    person: Person
    basis: str
    linked: bool = False
    score: float | None = None  # fuzzy matches only, 0 to 1
    reasons: tuple[str, ...] = ()
    open_cases: list[OpenEpisode] = field(default_factory=list)
    earlier: list[EarlierEpisode] = field(default_factory=list)

    @property
    def basis_label(self) -> str:
        return Basis(self.basis).label

    @property
    def teams(self) -> list[str]:
        return sorted({episode.team for episode in self.open_cases})


@dataclass(frozen=True)
class ReferralMatch:
    referral: Referral
    basis: str

    @property
    def basis_label(self) -> str:
        return Basis(self.basis).label


def _dates_agree(a: datetime.date | None, b: datetime.date | None) -> bool | None:
    """True or False when both are known, None when either is missing."""
    if a is None or b is None:
        return None
    return a == b


def _basis(
    *, name_dob: bool, name: bool, alias: bool, phone: bool, dob_agrees: bool | None
) -> str | None:
    """The strongest reason to think two records are one person, or None."""
    if name_dob:
        return Basis.NAME_DOB
    if alias and dob_agrees:
        return Basis.ALIAS_DOB
    if (name or alias) and dob_agrees is None:
        return Basis.NAME
    if phone:
        return Basis.PHONE
    return None  # same name, different date of birth: not a match


def possible_people(referral: Referral) -> list[PersonMatch]:
    """Known people this referral may be about, strongest match first. Seven queries at most."""
    reach = Q()
    if referral.name_dob_index:
        reach |= Q(name_dob_index=referral.name_dob_index)
    alias_people: set[int] = set()
    if referral.name_index:
        alias_people = set(
            PersonAlias.objects.filter(name_index=referral.name_index).values_list(
                "person_id", flat=True
            )
        )
        reach |= Q(name_index=referral.name_index) | Q(pk__in=alias_people)
    if referral.phone_index:
        reach |= Q(phone_index=referral.phone_index)
    if not reach:
        return []
    matches = []
    candidates = Person.objects.filter(reach).only(
        "reference", "date_of_birth", "name_dob_index", "name_index", "phone_index"
    )
    for person in candidates.order_by("pk"):
        basis = _basis(
            name_dob=bool(referral.name_dob_index)
            and person.name_dob_index == referral.name_dob_index,
            name=bool(referral.name_index) and person.name_index == referral.name_index,
            alias=person.pk in alias_people,
            phone=bool(referral.phone_index) and person.phone_index == referral.phone_index,
            dob_agrees=_dates_agree(referral.date_of_birth, person.date_of_birth),
        )
        if basis is not None:
            matches.append(PersonMatch(person=person, basis=basis,
                                       linked=person.pk == referral.person_id))
    matches += _similar_people(referral, exclude={m.person.pk for m in matches})
    if referral.person_id and not any(m.linked for m in matches):
        # Linked earlier (the indexes may have changed since): still shown, as linked.
        linked = Person.objects.filter(pk=referral.person_id).only("reference").first()
        if linked is not None:
            link = referral.match_links.filter(person=linked).first()
            basis = link.basis if link else Basis.NAME_DOB
            matches.append(PersonMatch(person=linked, basis=basis, linked=True))
    _add_episodes(matches)
    matches.sort(key=lambda m: (not m.linked, _STRENGTH.index(m.basis), -(m.score or 0),
                                m.person.pk))
    return matches


def _similar_people(referral: Referral, *, exclude: set[int]) -> list[PersonMatch]:
    """People found by fuzzy matching that the exact indexes did not already find."""
    similar = [s for s in fuzzy.similar_people(referral.first_name, referral.last_name,
                                               referral.date_of_birth)
               if s.person_id not in exclude]
    if not similar:
        return []
    people = Person.objects.only("reference").in_bulk([s.person_id for s in similar])
    return [
        PersonMatch(person=people[s.person_id], basis=Basis.SIMILAR, score=s.score,
                    reasons=s.reasons, linked=s.person_id == referral.person_id)
        for s in similar if s.person_id in people
    ]


def _add_episodes(matches: list[PersonMatch]) -> None:
    by_person = {m.person.pk: m for m in matches}
    if not by_person:
        return
    cases = (
        Case.objects.filter(person_id__in=by_person)
        .select_related("team")
        .only("reference", "person_id", "stage", "opened_at", "closed_at", "closure_reason",
              "team__name")
        .order_by("-opened_at", "-pk")
    )
    for case in cases:
        match = by_person[case.person_id]
        if case.is_closed:
            match.earlier.append(EarlierEpisode(
                opened_at=case.opened_at,
                closed_at=case.closed_at,
                outcome=case.get_stage_display(),
                closure_reason=case.get_closure_reason_display() if case.closure_reason else "",
                team=case.team.name,
            ))
        else:
            match.open_cases.append(
                OpenEpisode(reference=case.reference, team=case.team.name,
                            opened_at=case.opened_at)
            )


def match_for(referral: Referral, person_reference: str) -> PersonMatch | None:
    """The match with this person reference, if the person really is a possible match."""
    for match in possible_people(referral):
        if match.person.reference == person_reference:
            return match
    return None


def possible_duplicates(referral: Referral) -> list[ReferralMatch]:
    """Other referrals, not themselves merged, that may be about the same person."""
    reach = Q()
    if referral.name_dob_index:
        reach |= Q(name_dob_index=referral.name_dob_index)
    if referral.name_index:
        reach |= Q(name_index=referral.name_index)
    if referral.phone_index:
        reach |= Q(phone_index=referral.phone_index)
    if not reach:
        return []
    found = []
    others = (
        Referral.objects.filter(reach)
        .exclude(pk=referral.pk)
        .exclude(status=Referral.Status.MERGED)
        .only("reference", "status", "received_at", "channel", "date_of_birth",
              "name_dob_index", "name_index", "phone_index")
        .order_by("received_at", "pk")
    )
    for other in others:
        basis = _basis(
            name_dob=bool(referral.name_dob_index)
            and other.name_dob_index == referral.name_dob_index,
            name=bool(referral.name_index) and other.name_index == referral.name_index,
            alias=False,
            phone=bool(referral.phone_index) and other.phone_index == referral.phone_index,
            dob_agrees=_dates_agree(referral.date_of_birth, other.date_of_birth),
        )
        if basis is not None:
            found.append(ReferralMatch(referral=other, basis=basis))
    return found
