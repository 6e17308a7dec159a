"""Keyed encodings of names and dates of birth: search tokens and fuzzy-matching keys.

Nothing here is reversible without BLIND_INDEX_KEY, and nothing needs a clear value from the
database: people are found by comparing keyed values (docs/search.md says what that leaks).

- Search tokens: HMACs of every word prefix of three letters or more ("wil", "will", "willo",
  "willow"), of the whole date of birth, and of blocking codes for duplicate detection (the
  phonetic code of the surname with the first name's or the birth year).
- Matching keys: keyed Bloom filters of each name's letter bigrams (the privacy-preserving
  record-linkage encoding of Schnell, Bachteler and Reiher, 2009), compared by their Dice
  coefficient, which tracks the Dice coefficient of the bigram sets themselves; and keyed codes
  of the nickname-folded first name and of the date of birth.
"""

import contextlib
import datetime
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

import jellyfish
from django.utils.translation import gettext_lazy as _

from casework import crypto, nicknames

PREFIX_MIN = 3
# A token is a truncated HMAC: 128 bits keep collisions out of reach and the index small.
TOKEN_CHARS = 32
# Bloom filter size and bits per bigram: 1,000 and 15-30 in Schnell et al.; names are short.
BLOOM_BITS = 512
BLOOM_HASHES = 12

_NOT_LETTER = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """Lower-case, accent-free words; "O'Brien" is one word, "Quill-feather" two."""
    return _NOT_LETTER.sub(" ", _fold(text).replace("'", "").replace("\u2019", "")).split()


def joined(text: str) -> str:
    """The name with its spaces and hyphens removed: "Quill-feather" == "Quill feather"."""
    return "".join(words(text))


def token(kind: str, value: str) -> str:
    return crypto.blind_index(f"search:{kind}", value)[:TOKEN_CHARS]


# Search tokens ------------------------------------------------------------------------------


def prefixes(word: str) -> list[str]:
    """Every prefix a search may type: from three letters up (a shorter word is its own)."""
    if len(word) < PREFIX_MIN:
        return [word]
    return [word[:end] for end in range(PREFIX_MIN, len(word) + 1)]


def name_tokens(*names: str) -> set[str]:
    found = set()
    for name in names:
        parts = words(name)
        # "quillfe" finds Quill-feather and a surname spelt "Quill feather" too.
        parts += [joined(chunk) for chunk in (name or "").split() if len(words(chunk)) > 1]
        if len(parts) > 1:
            parts.append(joined(name))
        for part in parts:
            found.update(token("prefix", prefix) for prefix in prefixes(part))
    return found


def dob_token(date_of_birth: datetime.date | None) -> str:
    return token("dob", date_of_birth.isoformat()) if date_of_birth else ""


def query_word_tokens(query: str) -> list[str]:
    """One token per word typed: a person matches a search when they hold all of them."""
    return sorted({token("prefix", word) for word in words(query)})


# Blocking: which people are worth scoring for a referral ------------------------------------


def _phonetic(name: str) -> str:
    return jellyfish.metaphone(name).upper() if name else ""


def blocking_tokens(first_name: str, last_name: str, date_of_birth: datetime.date | None,
                    *, years: tuple[int, ...] = (0,)) -> set[str]:
    """A record's blocking codes; a referral asks with `years=(-1, 0, 1)` and both name orders.

    The surname's sound with the first name's sound, or with the birth year: a typo that keeps
    the sound meets its record either way, one that changes it still meets on another key or
    on the date of birth (looked up with its variants, dob_variants)."""
    surname = joined(last_name)
    last = _phonetic(surname)
    first_words = words(first_name)
    given = nicknames.canonical(first_words[0]) if first_words else ""
    first = _phonetic(given)
    found = set()
    if last and first:
        found.add(token("block:name", f"{last}|{first}"))
        # Without a date of birth, a typo that changes one name's sound must still meet the
        # record: the other name's sound with the start or the end of this one.
        found.add(token("block:start", f"{surname[:3]}|{first}"))
        found.add(token("block:end", f"{surname[-4:]}|{first}"))
        found.add(token("block:initial", f"{last}|{given[:1]}"))
    if last and date_of_birth:
        for shift in years:
            found.add(token("block:year", f"{last}|{date_of_birth.year + shift}"))
    return found


def dob_variants(date_of_birth: datetime.date) -> dict[datetime.date, str]:
    """Dates a mistyped date of birth may really be, each with the reason shown to a screener."""
    variants = {}
    for days in (-1, 1):
        variants[date_of_birth + datetime.timedelta(days=days)] = _("date of birth one day off")
    for years in (-1, 1):
        with contextlib.suppress(ValueError):  # 29 February has no neighbour year
            variants[date_of_birth.replace(year=date_of_birth.year + years)] = _(
                "date of birth one year off"
            )
    if date_of_birth.day <= 12 and date_of_birth.day != date_of_birth.month:
        swapped = date_of_birth.replace(month=date_of_birth.day, day=date_of_birth.month)
        variants[swapped] = _("day and month swapped")
    variants.pop(date_of_birth, None)
    return variants


# Matching keys ------------------------------------------------------------------------------


def _bigrams(name: str) -> set[str]:
    padded = f"_{name}_"
    return {padded[i:i + 2] for i in range(len(padded) - 1)} if name else set()


def bloom(field: str, name: str) -> bytes:
    """A keyed Bloom filter of the name's bigrams: each sets BLOOM_HASHES bits chosen by HMAC."""
    key = crypto.blind_index("bloom-key", field).encode()
    bits = 0
    for gram in _bigrams(name):
        digest = hmac.new(key, gram.encode(), hashlib.sha256).digest()
        for i in range(BLOOM_HASHES):
            bits |= 1 << (int.from_bytes(digest[2 * i:2 * i + 2], "big") % BLOOM_BITS)
    return bits.to_bytes(BLOOM_BITS // 8, "big")


def dice(a: bytes, b: bytes) -> float:
    """Dice coefficient of two Bloom filters: 1.0 for the same name, near 0 for unrelated."""
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    total = x.bit_count() + y.bit_count()
    return 2 * (x & y).bit_count() / total if total else 0.0


@dataclass(frozen=True)
class MatchKeys:
    """What duplicate detection compares, for one name of one person (or of a referral)."""

    first_bloom: bytes
    last_bloom: bytes
    nickname: str  # keyed code of the nickname-folded first name
    dob: str  # keyed code of the date of birth, "" when unknown


def match_keys(first_name: str, last_name: str, date_of_birth) -> MatchKeys:
    first_words = words(first_name)
    first = first_words[0] if first_words else ""
    return MatchKeys(
        # One bloom for every field, so crossed first and last names still compare.
        first_bloom=bloom("name", joined(first_name)),
        last_bloom=bloom("name", joined(last_name)),
        nickname=token("nickname", nicknames.canonical(first)) if first else "",
        dob=dob_token(date_of_birth),
    )


def split_alias(name: str) -> tuple[str, str]:
    """An alias is one line of text: its last word is taken as the surname."""
    parts = words(name)
    if len(parts) < 2:
        return "", " ".join(parts)
    return " ".join(parts[:-1]), parts[-1]


def person_key_rows(person, aliases) -> tuple[set[str], list[tuple[bool, MatchKeys]]]:
    """The search tokens, and the match keys of each name, of a person with these aliases.

    `person` is anything with first_name, last_name and date_of_birth (a migration's model too).
    """
    names = [(person.first_name, person.last_name, False)]
    names += [(*split_alias(alias), True) for alias in aliases]
    tokens = name_tokens(person.first_name, person.last_name, *aliases)
    if person.date_of_birth:
        tokens.add(dob_token(person.date_of_birth))
    keys = []
    for first, last, is_alias in names:
        tokens |= blocking_tokens(first, last, person.date_of_birth)
        keys.append((is_alias, match_keys(first, last, person.date_of_birth)))
    return tokens, keys
