"""Fuzzy duplicate detection over keyed encodings: typos, hyphens and spacing, transposed
letters, nicknames, crossed first and last names, and a date of birth one day or one year off
or with day and month swapped.

One query, whatever the number of people: the match keys of the candidates that the keyed
blocking codes and date-of-birth codes (casework.name_keys) find on the token index. Names are
compared as keyed Bloom filters of their bigrams (Dice coefficient), first names also through
the nickname table, dates of birth as keyed codes of the date and its likely mistypings.
Nothing is decrypted.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from casework import name_keys
from casework.models import PersonMatchKey, PersonSearchToken

# Scored from 0 to 1; at or above this a person is flagged to the screener. Set with
# `manage.py match_benchmark` (docs/search.md has the figures).
THRESHOLD = 0.78
NAME_WEIGHT, DOB_WEIGHT = 0.6, 0.4
DOB_SAME, DOB_NEAR, DOB_UNKNOWN = 1.0, 0.85, 0.75
# A common surname and birth year could block in hundreds: this many token rows are read at
# most (a person holds several of a referral's codes only when very alike).
CANDIDATES = 1000
SHOWN = 5


@dataclass(frozen=True)
class Similar:
    person_id: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Probe:
    """The keyed encodings of the record being checked, and what its date variants mean."""

    keys: name_keys.MatchKeys
    blocks: frozenset[str]
    dob_reasons: dict[str, str]


def probe(first_name: str, last_name: str, date_of_birth: datetime.date | None) -> Probe:
    years = (-1, 0, 1)
    blocks = name_keys.blocking_tokens(first_name, last_name, date_of_birth, years=years)
    blocks |= name_keys.blocking_tokens(last_name, first_name, date_of_birth, years=years)
    dob_reasons = {}
    if date_of_birth:
        dob_reasons = {name_keys.dob_token(day): reason
                       for day, reason in name_keys.dob_variants(date_of_birth).items()}
        blocks |= {name_keys.dob_token(date_of_birth), *dob_reasons}
    return Probe(keys=name_keys.match_keys(first_name, last_name, date_of_birth),
                 blocks=frozenset(blocks), dob_reasons=dob_reasons)


def _first_name_similarity(a: name_keys.MatchKeys, b: name_keys.MatchKeys) -> tuple[float, bool]:
    """Dice of the first names, or 1.0 when one is a nickname of the other (and True)."""
    similarity = name_keys.dice(a.first_bloom, b.first_bloom)
    if similarity < 1.0 and a.nickname and a.nickname == b.nickname:
        return 1.0, True
    return similarity, False


def score(query: Probe, other: name_keys.MatchKeys) -> tuple[float, tuple[str, ...]]:
    """How alike two records are (0 to 1), with the reasons a screener is shown."""
    keys = query.keys
    first, nickname = _first_name_similarity(keys, other)
    last = name_keys.dice(keys.last_bloom, other.last_bloom)
    # Geometric means: a name is alike when both its parts are, not one very much.
    straight = (first * last) ** 0.5
    crossed = (name_keys.dice(keys.first_bloom, other.last_bloom)
               * name_keys.dice(keys.last_bloom, other.first_bloom)) ** 0.5
    name = max(straight, crossed)
    if crossed > straight:
        reasons = [_("first and last names swapped")]
    elif nickname:
        reasons = [_("known nickname")] + ([_("name similar")] if last < 0.999 else [])
    else:
        reasons = [_("same name") if name >= 0.999 else _("name similar")]
    if not keys.dob or not other.dob:
        dob = DOB_UNKNOWN
        reasons.append(_("no date of birth to compare"))
    elif keys.dob == other.dob:
        dob = DOB_SAME
        reasons.append(_("same date of birth"))
    elif other.dob in query.dob_reasons:
        dob = DOB_NEAR
        reasons.append(query.dob_reasons[other.dob])
    else:
        dob = 0.0
    return NAME_WEIGHT * name + DOB_WEIGHT * dob, tuple(str(r) for r in reasons)


def similar_people(first_name: str, last_name: str, date_of_birth: datetime.date | None,
                   *, threshold: float = THRESHOLD, limit: int = SHOWN) -> list[Similar]:
    """People who may be this person, best first, each with its score and reasons."""
    query = probe(first_name, last_name, date_of_birth)
    if not query.blocks:
        return []
    # No DISTINCT: with it PostgreSQL walks the person index in order (850 ms at 250,000
    # people) instead of reading the token index (1 ms); IN removes the repeats anyway.
    candidates = (
        PersonSearchToken.objects.filter(token__in=query.blocks)
        .order_by().values_list("person_id", flat=True)[:CANDIDATES]
    )
    best: dict[int, Similar] = {}
    for row in PersonMatchKey.objects.filter(person_id__in=candidates):  # one query
        keys = name_keys.MatchKeys(first_bloom=bytes(row.first_bloom),
                                   last_bloom=bytes(row.last_bloom),
                                   nickname=row.nickname, dob=row.dob)
        value, reasons = score(query, keys)
        if row.is_alias:
            reasons = (str(_("another known name")), *reasons)
        if value >= threshold and (row.person_id not in best
                                   or value > best[row.person_id].score):
            best[row.person_id] = Similar(row.person_id, round(value, 2), reasons)
    return sorted(best.values(), key=lambda s: (-s.score, s.person_id))[:limit]
