"""A labelled test set for fuzzy duplicate detection, and its recall and precision.

Synthetic (invented) people are saved as known people; each is then looked for again under a
realistic variant of their details (a typo, transposed letters, a hyphen or space, a nickname,
crossed names, a date of birth one day or year off, day and month swapped or missing), and
distractors (new people sharing a surname, a first name, a full name or a date of birth with a
known one) are looked for too. The top match of each search is then right, wrong or absent:

    recall    = searches for a known person whose top match is that person / those searches
    precision = right top matches / all top matches (distractors' top matches are all wrong)
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from casework import nicknames
from casework.models import Person
from referrals import fuzzy

FIRST_NAMES = sorted({group[0] for group in nicknames.GROUPS} | {
    "Ada", "Amara", "Anika", "Aurelio", "Beatriz", "Bramble", "Camila", "Cosima", "Dario",
    "Delphine", "Esme", "Evander", "Farah", "Fennimore", "Galen", "Ines", "Isolde", "Jasper",
    "Juniper", "Kalani", "Leocadia", "Lorcan", "Marisol", "Maeve", "Nadia", "Niamh", "Odette",
    "Orrin", "Paloma", "Percival", "Quentin", "Rosalind", "Sorrel", "Soledad", "Tamsin",
    "Thaddeus", "Ulises", "Valentina", "Wren", "Ximena", "Yara", "Zephyr", "Willow", "Ottilie",
    "Basil", "Marigold", "Tobias", "Imogen", "Rafael", "Lucia", "Mateo", "Elena", "Hugo",
})
_STARTS = ["Quill", "Ash", "Bram", "Fern", "Moon", "Otter", "Drift", "Nettle", "Pebble", "Hazel",
           "Kettle", "Lark", "Thorn", "Brook", "Marsh", "Holly", "Black", "Green", "Hart", "Cald",
           "Rad", "Stan", "Mer", "Gar", "Bell", "Dun", "Fair", "Glen", "Hew", "Wick", "Spindle",
           "Tumble", "Glad", "Oak", "Rook", "Sorrow", "Wex", "Yarrow", "Pem", "Cor"]
_ENDS = ["feather", "wood", "ford", "ley", "ton", "by", "well", "burn", "croft", "field", "more",
         "wick", "stone", "bury", "ham", "shaw", "worth", "gate", "hill", "brook"]
SURNAMES = sorted({s + e for s in _STARTS for e in _ENDS} | {
    "Garcia", "Martinez", "Lopez", "Hernandez", "Gonzalez", "Rodriguez", "Perez", "Sanchez",
    "Ramirez", "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Cruz", "Morales", "Ortiz",
    "Gutierrez", "Chavez", "Ramos", "Nguyen", "Okafor", "Kowalski", "Lindqvist", "Moreau"})
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_NICKNAMES = {group[0].title(): [n.title() for n in group[1:]] for group in nicknames.GROUPS}


@dataclass(frozen=True)
class Record:
    first_name: str
    last_name: str
    date_of_birth: datetime.date | None


@dataclass
class Result:
    searches: int = 0
    known: int = 0
    right: int = 0
    wrong: int = 0
    missed_by_kind: Counter = field(default_factory=Counter)
    known_by_kind: Counter = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.right / self.known if self.known else 0.0

    @property
    def precision(self) -> float:
        flagged = self.right + self.wrong
        return self.right / flagged if flagged else 1.0


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name + rng.choice(_LETTERS)
    at = rng.randrange(1, len(name) - 1)
    edit = rng.choice(["substitute", "delete", "insert", "double"])
    if edit == "substitute":
        return name[:at] + rng.choice(_LETTERS) + name[at + 1:]
    if edit == "delete":
        return name[:at] + name[at + 1:]
    if edit == "double":
        return name[:at] + name[at] + name[at:]
    return name[:at] + rng.choice(_LETTERS) + name[at:]


def _transpose(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name
    at = rng.randrange(1, len(name) - 2)
    return name[:at] + name[at + 1] + name[at] + name[at + 2:]


def _split(rng: random.Random, name: str) -> str:
    if len(name) < 6:
        return name.upper()
    at = rng.randrange(3, len(name) - 2)
    return name[:at] + rng.choice(["-", " "]) + name[at:].title()


def _dob_error(rng: random.Random, dob: datetime.date) -> tuple[datetime.date | None, str]:
    kind = rng.choice(["day", "year", "swap", "missing"])
    if kind == "day":
        return dob + datetime.timedelta(days=rng.choice([-1, 1])), "dob one day off"
    if kind == "year":
        year = dob.year + rng.choice([-1, 1])
        leap_day = dob.month == 2 and dob.day == 29
        return dob.replace(year=year, day=28 if leap_day else dob.day), "dob one year off"
    if kind == "swap" and dob.day <= 12 and dob.day != dob.month:
        return dob.replace(month=dob.day, day=dob.month), "dob day/month swapped"
    return None, "dob missing"


def variant(rng: random.Random, record: Record) -> tuple[Record, str]:
    """The same person as a referral might give them, and the kind of variation."""
    first, last, dob = record.first_name, record.last_name, record.date_of_birth
    kind = rng.choice(["typo", "typo", "transpose", "split", "nickname", "crossed", "accent",
                       "typo both"])
    if kind == "typo":
        if rng.random() < 0.6:
            last = _typo(rng, last)
        else:
            first = _typo(rng, first)
    elif kind == "typo both":
        first, last = _typo(rng, first), _typo(rng, last)
    elif kind == "transpose":
        last = _transpose(rng, last)
    elif kind == "split":
        last = _split(rng, last)
    elif kind == "nickname":
        if first not in _NICKNAMES:
            kind, first = "typo", _typo(rng, first)
        else:
            first = rng.choice(_NICKNAMES[first])
    elif kind == "crossed":
        first, last = last, first
    else:
        kind = "accent and case"
        first, last = first.upper(), last.replace("e", "é", 1).lower()
    if rng.random() < 0.4:
        dob, dob_kind = _dob_error(rng, dob)
        kind = f"{kind} + {dob_kind}"
    return Record(first, last, dob), kind


def _person(rng: random.Random) -> Record:
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 58))
    return Record(rng.choice(FIRST_NAMES), rng.choice(SURNAMES), born)


def distractor(rng: random.Random, known: list[Record]) -> tuple[Record, str]:
    """Somebody else: new, or sharing a surname, a first name, a full name or a birthday."""
    other, new = rng.choice(known), _person(rng)
    kind = rng.choice(["new", "same surname", "same first name", "same name, other birthday",
                       "same birthday", "same surname and birthday"])
    if kind == "same surname":
        return Record(new.first_name, other.last_name, new.date_of_birth), kind
    if kind == "same first name":
        return Record(other.first_name, new.last_name, new.date_of_birth), kind
    if kind == "same name, other birthday":
        born = other.date_of_birth + datetime.timedelta(days=rng.randrange(800, 9000))
        return Record(other.first_name, other.last_name, born), kind
    if kind == "same birthday":
        return Record(new.first_name, new.last_name, other.date_of_birth), kind
    if kind == "same surname and birthday":
        first = new.first_name
        while first[:2] == other.first_name[:2]:
            first = rng.choice(FIRST_NAMES)
        return Record(first, other.last_name, other.date_of_birth), kind
    return new, kind


def run(*, people: int, distractors: int, seed: int = 18,
        threshold: float = fuzzy.THRESHOLD) -> Result:
    """Save `people` known people, search for each variant and each distractor, and score.

    Call inside a transaction that is rolled back: the people saved are not kept."""
    rng = random.Random(seed)
    known, seen = [], set()
    while len(known) < people:
        record = _person(rng)
        if (record.first_name, record.last_name) not in seen:
            seen.add((record.first_name, record.last_name))
            known.append(record)
    ids = [Person.objects.create(first_name=r.first_name, last_name=r.last_name,
                                 date_of_birth=r.date_of_birth).pk for r in known]
    result = Result()
    searches = [(variant(rng, record), pk) for record, pk in zip(known, ids, strict=True)]
    searches += [(distractor(rng, known), None) for _ in range(distractors)]
    for (record, kind), truth in searches:
        found = fuzzy.similar_people(record.first_name, record.last_name, record.date_of_birth,
                                     threshold=threshold, limit=1)
        top = found[0].person_id if found else None
        result.searches += 1
        if truth is not None:
            result.known += 1
            result.known_by_kind[kind] += 1
        if top is not None and top == truth:
            result.right += 1
            continue
        if top is not None:
            result.wrong += 1
        if top is not None or truth is not None:
            result.missed_by_kind[kind] += 1  # a known person missed, or anyone mismatched
    return result
