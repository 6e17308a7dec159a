"""A realistic synthetic data set of N cases, written in bulk, for benchmark_scale.

What it writes per case is what the app writes when people work a case: a Person with every
encrypted field sealed to its row (as save() seals it), its blind indexes, search tokens and
match keys, the Case, the caseworker's per-case grant (CaseUserObjectPermission),
the stage history (CaseTransition), consent, assessments, the stage's tasks, notes, provider
referrals, and audit entries (the creates of person and case, and two case-page reads), which
are sealed into the tamper-evident chain in the same transaction (casework.scale.sealing).
Staff are 25 teams with a supervisor each, caseworkers holding about 150 cases each, intake
coordinators and an auditor, at least 500 staff in all.

On PostgreSQL, worker processes build the batches ahead as COPY text (casework.scale.workers)
while this process streams them in and seals their entries.

The app's rule is that audited models are never written in bulk because auditlog would not see
it; this module is the one exception, and it writes the audit entries itself.

It only ever writes into a database it generated or an empty one: `check_generated` refuses
anything else, and a marker table (scale_dataset) records what each run wrote. Batches commit
one at a time, each with its marker row, so an interrupted run leaves a consistent data set; a
PostgreSQL run that at least doubles the data set writes its rows in one transaction and builds
the indexes set aside for it after that commits, on two connections; the next run finishes a
rebuild that was interrupted before anything else (see `generate` and `ready`).
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import json
import math
import os
import queue
import random
import resource
import secrets
import threading
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from pathlib import Path

from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.utils import timezone

from audit import anchors
from audit.models import ChainLink
from casework import crypto, name_keys, roles
from casework.models import (
    Assessment,
    Case,
    CaseNote,
    CaseTransition,
    CaseUserObjectPermission,
    Consent,
    Pathway,
    Person,
    PersonMatchKey,
    PersonSearchToken,
    Task,
    Team,
    TeamMembership,
)
from casework.scale import copytext, indexes, sealing, workers
from casework.scale.bulk import Sealer, Table
from casework.transitions import STAGE_TASK_KINDS
from providers.models import Organization, Service
from referrals.models import ProviderReferral

MARKER_TABLE = "scale_dataset"
USERNAME_PREFIX = "scale-"
TEAMS = 25
CASES_PER_CASEWORKER = 150
STAFF = 500
BATCH = 2000
ORGANISATIONS = 10

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Odd multiplier modulo 32**8: a bijection, so references are unique yet look random.
_SCRAMBLE = 0x5DEECE66D


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Two base-32 digits for each 10-bit value: a reference is four lookups, not eight divisions.
_PAIRS = tuple(_ALPHABET[n % 32] + _ALPHABET[n // 32] for n in range(1024))


def reference(prefix: str, number: int) -> str:
    n = (number * _SCRAMBLE) % (32**8)
    return (f"{prefix}-{_PAIRS[n & 1023]}{_PAIRS[(n >> 10) & 1023]}"
            f"{_PAIRS[(n >> 20) & 1023]}{_PAIRS[n >> 30]}")


FIRST_NAMES = _words(
    "Aaliyah Abdul Ada Adrian Aiden Alejandro Alexis Amara Amir Ana Andre Angela Anika Antonio "
    "Ariana Asha Avery Bashir Beatriz Bilal Brandon Brianna Camila Carlos Carmen Chen Chloe "
    "Dalia Damian Daniel Darius Deja Diego Dmitri Elena Elijah Emeka Emily Esperanza Ethan "
    "Fatima Felipe Gabriel Grace Hana Hassan Ibrahim Imani Isaac Jamal Jasmine Javier Jin "
    "Jordan José Kai Kayla Keisha Kenji Layla Leila Liam Lucia Malik Marcus María Mateo Maya "
    "Mohammed Nadia Naomi Nia Noah Olivia Omar Priya Rafael Rashid Rosa Samir Sara Sofia Tariq "
    "Thanh Tyrone Valentina Wei Xavier Yara Yusuf Zainab Zoe "
)
LAST_NAMES = _words(
    "Abbott Adeyemi Ahmed Álvarez Anderson Baker Banerjee Brown Castillo Chen Clarke Cruz Davis "
    "Delgado Diallo Dubois Evans Fernández Fischer Flores García Gomez González Gray Green "
    "Gupta Hall Harris Hernández Hussain Ibrahim Ito Jackson Johnson Jones Kaur Khan Kim "
    "Kowalski Lee Lewis López Martin Martínez Mendoza Miller Mitchell Moore Morales Murphy "
    "Nguyen Novak Okafor Ortiz O'Brien Patel Pérez Petrov Phillips Ramírez Reyes Rivera "
    "Robinson Rodríguez Rossi Sánchez Santos Schmidt Scott Shah Silva Singh Smith Suzuki Taylor "
    "Thomas Thompson Torres Tran Walker Wang Washington White Williams Wilson Wright Yamamoto "
    "Young Zhang "
)
NOTE_TEXTS = (
    "Phoned to arrange the first meeting; left a message.",
    "Met at the library. Talked through the referral and what support could look like.",
    "Home visit. Family present; agreed to continue weekly contact.",
    "Missed appointment; will try again on Thursday.",
    "Mentoring session attended. Engaged and talked about work options.",
    "Discussed housing application with the provider; waiting for an answer.",
    "Check-in by phone. No new concerns raised.",
    "School meeting with the head of year; attendance improving.",
)
NEEDS = (
    "Stable housing and a way back into education.",
    "Mentoring and family support; no current risk indicators.",
    "Employment support and help with benefits.",
    "Counselling and a trusted adult outside the family.",
)

# Where cases stand, roughly as a year-old service would have them.
STAGE_WEIGHTS = {
    Case.Stage.INTAKE: 10,
    Case.Stage.ASSESSMENT: 15,
    Case.Stage.SERVICE_PLAN: 15,
    Case.Stage.FOLLOW_UP: 20,
    Case.Stage.CLOSED: 33,
    Case.Stage.SCREENED_OUT: 5,
    Case.Stage.ESCALATED: 2,
}
# The transitions that bring a case from intake to each stage (casework.models.Case).
PATHS = {
    Case.Stage.INTAKE: (),
    Case.Stage.SCREENED_OUT: (("screen_out", "intake", "screened_out"),),
    Case.Stage.ASSESSMENT: (("begin_assessment", "intake", "assessment"),),
    Case.Stage.SERVICE_PLAN: (
        ("begin_assessment", "intake", "assessment"),
        ("start_planning", "assessment", "service_plan"),
    ),
    Case.Stage.FOLLOW_UP: (
        ("begin_assessment", "intake", "assessment"),
        ("start_planning", "assessment", "service_plan"),
        ("start_follow_up", "service_plan", "follow_up"),
    ),
    Case.Stage.CLOSED: (
        ("begin_assessment", "intake", "assessment"),
        ("start_planning", "assessment", "service_plan"),
        ("start_follow_up", "service_plan", "follow_up"),
        ("close", "follow_up", "closed"),
    ),
    Case.Stage.ESCALATED: (
        ("begin_assessment", "intake", "assessment"),
        ("escalate", "assessment", "escalated"),
    ),
}
REASONED = {"screen_out": "Needs met by the school's own support.",
            "escalate": "Immediate risk: handed to emergency services."}
ASSESSED = {Case.Stage.SERVICE_PLAN, Case.Stage.FOLLOW_UP, Case.Stage.CLOSED}
_STAGES = tuple(STAGE_WEIGHTS)
_CUM_WEIGHTS = tuple(itertools.accumulate(STAGE_WEIGHTS.values()))
RISK_LEVELS = tuple(Assessment.RiskLevel.values)


class RefusedDatabase(Exception):
    """The database holds data the generator did not write; nothing was changed."""


# The marker ---------------------------------------------------------------------------------


def _marker_exists(using: str) -> bool:
    return MARKER_TABLE in connections[using].introspection.table_names()


def _ensure_marker(using: str) -> None:
    connection = connections[using]
    key = ("id bigserial PRIMARY KEY" if connection.vendor == "postgresql"
           else "id integer PRIMARY KEY AUTOINCREMENT")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ({key}, made_at varchar(40) NOT NULL, "
            "cases bigint NOT NULL, people bigint NOT NULL, users bigint NOT NULL)"
        )


def generated_counts(using: str) -> dict:
    """What the generator has written into this database so far (zeros if nothing)."""
    if not _marker_exists(using):
        return {"cases": 0, "people": 0, "users": 0}
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(cases), 0), COALESCE(SUM(people), 0), "  # noqa: S608
            f"COALESCE(SUM(users), 0) FROM {MARKER_TABLE}"
        )
        cases, people, users = cursor.fetchone()
    return {"cases": int(cases), "people": int(people), "users": int(users)}


def check_generated(using: str) -> dict:
    """Refuse a database holding cases, people or users the generator did not write.

    Returns the generated counts when the database is empty or wholly generated.
    """
    if getattr(settings, "PRODUCTION", False):
        raise RefusedDatabase("Refusing to run with production settings (DJANGO_ENV=production).")
    made = generated_counts(using)
    present = {
        "cases": Case.objects.using(using).count(),
        "people": Person.objects.using(using).count(),
        "users": get_user_model().objects.using(using).count(),
    }
    foreign = {name: present[name] - made[name] for name in present if present[name] != made[name]}
    if foreign:
        found = ", ".join(f"{present[name]} {name} ({made[name]} generated)" for name in foreign)
        name = connections[using].settings_dict["NAME"]
        raise RefusedDatabase(
            f"Database {name!s} holds data the generator did not write: {found}. "
            "The generator and the load test only run against an empty database or one they "
            "filled themselves; create a scratch one (createdb, then manage.py migrate) and "
            "point DATABASE_URL or --database at it."
        )
    return made


def _record(using: str, *, cases: int, people: int, users: int) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (made_at, cases, people, users) "  # noqa: S608
            "VALUES (%s, %s, %s, %s)",
            [timezone.now().isoformat(), cases, people, users],
        )


# Staff -------------------------------------------------------------------------------------


@dataclass
class Staff:
    teams: list[int]
    supervisors: dict[int, int]  # team id -> supervisor id
    caseworkers: dict[int, list[int]]  # team id -> caseworker ids
    intake: list[int]
    auditors: list[int]

    @property
    def all_caseworkers(self) -> list[int]:
        return [pk for team in self.teams for pk in self.caseworkers[team]]


def _role_ids(using: str) -> dict[str, int]:
    return dict(Group.objects.using(using).filter(name__in=roles.ALL).values_list("name", "id"))


def _load_staff(using: str) -> Staff:
    User = get_user_model()
    teams = list(
        Team.objects.using(using).filter(name__startswith="Scale team").order_by("pk")
        .values_list("pk", flat=True)
    )
    staff = Staff(teams, {}, {team: [] for team in teams}, [], [])
    for team, user, role in TeamMembership.objects.using(using).filter(
        team__in=teams
    ).order_by("user_id").values_list("team_id", "user_id", "role"):
        if role == TeamMembership.Role.SUPERVISOR:
            staff.supervisors[team] = user
        else:
            staff.caseworkers[team].append(user)
    by_role = User.objects.using(using).filter(username__startswith=USERNAME_PREFIX)
    staff.intake = list(by_role.filter(groups__name=roles.INTAKE).values_list("pk", flat=True))
    staff.auditors = list(by_role.filter(groups__name=roles.AUDITOR).values_list("pk", flat=True))
    return staff


def _ensure_staff(using: str, total_cases: int, sealer: Sealer, now) -> tuple[Staff, int]:
    """Top the staff up to what `total_cases` needs; returns the staff and how many users were
    added. Teams, users, group memberships and team memberships, with no password (unusable):
    measurements and the load test sign people in by creating their sessions."""
    User = get_user_model()
    staff = _load_staff(using)
    group = _role_ids(using)
    users, user_groups, memberships, teams = [], [], [], []
    team_table = Table(Team, using, sealer)
    user_table = Table(User, using, sealer)
    if not staff.teams:
        ids = team_table.reserve_ids(TEAMS)
        teams = [{"id": pk, "name": f"Scale team {n + 1:02d}"} for n, pk in enumerate(ids)]
        staff.teams = list(ids)
        staff.caseworkers = {team: [] for team in ids}
    wanted = max(len(staff.teams), math.ceil(total_cases / CASES_PER_CASEWORKER))
    have = len(staff.all_caseworkers)
    new_supervisors = [t for t in staff.teams if t not in staff.supervisors]
    new_intake = max(0, 5 - len(staff.intake))
    new_auditors = max(0, 1 - len(staff.auditors))
    new_caseworkers = max(0, wanted - have)
    other = max(0, STAFF - (have + new_caseworkers + len(staff.teams) + 6)
                - _other_staff_count(using))
    count = new_caseworkers + len(new_supervisors) + new_intake + new_auditors + other
    ids = iter(user_table.reserve_ids(count))

    def user(kind: str, role: str | None) -> int:
        pk = next(ids)
        users.append({
            "id": pk, "username": f"{USERNAME_PREFIX}{kind}-{pk}",
            "password": "!" + uuid.uuid4().hex,  # unusable, as set_unusable_password() writes
            "first_name": "", "last_name": "", "email": "", "is_superuser": False,
            "is_staff": False, "is_active": True, "last_login": None, "date_joined": now,
        })
        if role:
            user_groups.append({"user_id": pk, "group_id": group[role]})
        return pk

    for team in new_supervisors:
        pk = user("supervisor", roles.SUPERVISOR)
        staff.supervisors[team] = pk
        memberships.append({"team_id": team, "user_id": pk,
                            "role": TeamMembership.Role.SUPERVISOR})
    for n in range(new_caseworkers):
        team = staff.teams[(have + n) % len(staff.teams)]
        pk = user("caseworker", roles.CASEWORKER)
        staff.caseworkers[team].append(pk)
        memberships.append({"team_id": team, "user_id": pk, "role": TeamMembership.Role.MEMBER})
    staff.intake += [user("intake", roles.INTAKE) for _ in range(new_intake)]
    staff.auditors += [user("auditor", roles.AUDITOR) for _ in range(new_auditors)]
    for n in range(other):  # MDT members and provider staff: on the record, not on cases
        user("mdt" if n % 2 else "provider", roles.MDT if n % 2 else roles.PROVIDER)

    team_table.write(teams)
    user_table.write(users)
    groups_table = Table(User.groups.through, using, sealer)
    _write_with_ids(groups_table, user_groups)
    _write_with_ids(Table(TeamMembership, using, sealer), memberships)
    return staff, count


def _other_staff_count(using: str) -> int:
    User = get_user_model()
    return User.objects.using(using).filter(
        username__startswith=USERNAME_PREFIX, groups__name__in=[roles.MDT, roles.PROVIDER]
    ).count()


def _write_with_ids(table: Table, rows: list[dict]) -> list[int]:
    ids = list(table.reserve_ids(len(rows)))
    for pk, row in zip(ids, rows, strict=True):
        row["id"] = pk
    table.write(rows)
    return ids


def _ensure_directory(using: str) -> list[tuple[int, int]]:
    """A few provider organisations and services, through the app's own (audited) saves."""
    services = list(
        Service.objects.using(using).filter(organization__name__startswith="Scale provider")
        .values_list("pk", "organization_id")
    )
    if services:
        return services
    for n in range(ORGANISATIONS):
        org = Organization.objects.using(using).create(name=f"Scale provider {n + 1:02d}")
        for category in (Service.Category.values[n % len(Service.Category.values)],
                         Service.Category.values[(n + 3) % len(Service.Category.values)]):
            service = Service.objects.using(using).create(
                organization=org, name=f"Support {n + 1:02d} {category}", category=category
            )
            services.append((service.pk, org.pk))
    return services


# Cases ------------------------------------------------------------------------------------


def _utc_text(value: datetime.datetime) -> str:
    """A datetime the way auditlog's diff writes it: naive UTC."""
    return str(value.astimezone(datetime.UTC).replace(tzinfo=None))


@dataclass
class _Batch:
    rows: dict = field(default_factory=dict)
    # COPY lines written directly, for tables of many narrow rows (model -> lines).
    lines: dict = field(default_factory=dict)

    def add(self, model, row: dict) -> None:
        self.rows.setdefault(model, []).append(row)


@dataclass(frozen=True)
class BatchSpec:
    number: int
    size: int
    first_case: int  # how many cases came before it: who its caseworkers are
    starts: dict  # PER_CASE key -> first id reserved for this batch


@dataclass
class Built:
    """A batch as the workers hand it over: per table (model label) its COPY text or rows."""

    size: int
    payload: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    entries: list = field(default_factory=list)  # sealing.canonical_parts, in id order


class Generator:
    """Builds the rows of each batch of cases; `generate` writes and seals them."""

    def __init__(self, using: str, *, seed: int = 1, sealer: Sealer | None = None):
        self.using = using
        self.seed = seed
        self.rng = random.Random(seed)
        # COPY text on PostgreSQL, built in the workers; rows for executemany elsewhere.
        self.as_copy_text = connections[using].vendor == "postgresql"
        self.sealer = sealer or Sealer()
        self.now = timezone.now()
        self.tables: dict = {}
        self.view_case = Permission.objects.using(using).get(
            codename="view_case", content_type__app_label="casework"
        ).pk
        types = ContentType.objects.db_manager(using)
        self.case_type = types.get_for_model(Case).pk
        self.person_type = types.get_for_model(Person).pk
        self.person_changes = ChangesTemplate(Person, ("id", "reference"))
        self.case_changes = ChangesTemplate(Case, (
            "id", "reference", "pathway", "stage", "closure_reason", "person", "team",
            "caseworker", "stage_entered_at", "opened_at",
        ))
        self._names: dict[tuple[str, str], tuple[str, str]] = {}
        self._phones: dict[str, str] = {}
        self._token_lines = self.as_copy_text and (
            self.table(PersonSearchToken).names == ["id", "person_id", "token"]
        )
        self._named: dict[tuple[str, str], tuple] = {}
        self._singles: dict[tuple[str, str], tuple] = {}
        self._forms: dict[str, sealing.EntryForm] = {}
        self._lines: dict[str, tuple] = {}
        self._years: dict[tuple[str, int], set[str]] = {}
        self._dob_tokens: dict[datetime.date, str] = {}

    def table(self, model) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(model, self.using, self.sealer)
        return self.tables[model]

    def staff(self, staff: Staff, services) -> None:
        """Who the cases go to: set before the workers fork, so they inherit it."""
        self._staff, self._services = staff, services
        self._caseworkers = staff.all_caseworkers
        self._team_of = {pk: team for team in staff.teams for pk in staff.caseworkers[team]}

    def plan(self, cases: int, batch_size: int, first_case: int) -> list[BatchSpec]:
        """The run's batches, with ids reserved for all of them at once."""
        starts = {key: self.table(model).reserve_ids(cases * per).start
                  for key, (model, per) in PER_CASE.items()}
        specs = []
        for number, done in enumerate(range(0, cases, batch_size)):
            specs.append(BatchSpec(
                number=number, size=min(batch_size, cases - done), first_case=first_case + done,
                starts={key: start + done * PER_CASE[key][1] for key, start in starts.items()},
            ))
        return specs

    def build(self, spec: BatchSpec) -> Built:
        """Every row of one batch, ready to write, and its entries' canonical forms. Each batch
        has its own random stream, so what it holds does not depend on which worker built it."""
        self.rng = random.Random(self.seed * 1_000_003 + spec.number)
        ids = {key: iter(range(start, start + spec.size * PER_CASE[key][1]))
               for key, start in spec.starts.items()}
        batch = _Batch()
        for n in range(spec.size):
            caseworker = self._caseworkers[(spec.first_case + n) % len(self._caseworkers)]
            self.add_case(batch, ids, self._team_of[caseworker], caseworker, self._staff,
                          self._services)
        built = Built(size=spec.size)
        for model in WRITE_ORDER:
            if model in batch.lines:
                lines = batch.lines[model]
                built.counts[model._meta.label] = len(lines)
                built.payload[model._meta.label] = "".join(lines)
                continue
            rows = batch.rows.get(model, [])
            built.counts[model._meta.label] = len(rows)
            if not self.as_copy_text:
                built.payload[model._meta.label] = rows
            elif model is LogEntry:
                built.payload[model._meta.label] = self.entry_lines(rows)
            else:
                built.payload[model._meta.label] = self.table(model).copy_text(rows)
        built.entries = [self.entry_parts(row) for row in batch.rows.get(LogEntry, [])]
        return built

    def entry_lines(self, rows: list[dict]) -> str:
        """The entries' COPY text, each line from its kind's line: the kind's constant columns
        printed once (copytext.value), the varying ones put in by one format. Checked as
        copytext.rows checks its fast path: a batch with a value that needed escaping, or a
        NULL among the varying values, goes through Table.copy_text instead."""
        table = self.table(LogEntry)
        parts, backslashes = [], 0
        for row in rows:
            kind = row[FORM][0]
            line = self._lines.get(kind)
            if line is None:
                line = self._lines[kind] = self._entry_line(table, row)
            template, names, escapes = line
            values = tuple([row[name] for name in names])
            if None in values:
                return table.copy_text(rows)
            parts.append(template % values)
            backslashes += escapes
        text = "".join(parts)
        width = len(table.names)
        if (
            "\r" in text or text.count("\\") != backslashes
            or text.count("\n") != len(rows) or text.count("\t") != len(rows) * (width - 1)
        ):
            return table.copy_text(rows)
        return text

    @staticmethod
    def _entry_line(table: Table, row: dict) -> tuple[str, list[str], int]:
        """(the line with %s for each varying column, their names, its backslashes)."""
        varying = set(ENTRY_VARYING) | ({"changes"} if row[FORM][1] is not None else set())
        names, cells = [], []
        for name in table.names:
            if name in varying:
                if not copytext.is_plain(row[name]):
                    raise TypeError(f"no plain COPY text for an entry's {name}")
                names.append(name)
                cells.append("%s")
            else:
                cells.append(copytext.value(row[name]).replace("%", "%%"))
        line = "\t".join(cells) + "\n"
        return line, names, line.count("\\")

    def entry_parts(self, row: dict) -> tuple[int, bytes, bytes, bytes]:
        """sealing.canonical_parts of a generated entry, through its kind's EntryForm (made
        from the first entry of the kind: the columns outside ENTRY_VARYING are the kind's)."""
        kind, changes = row[FORM]
        form = self._forms.get(kind)
        if form is None:
            template = {"person": self.person_changes, "case": self.case_changes}.get(kind)
            form = self._forms[kind] = sealing.EntryForm(
                row, ENTRY_VARYING, postgres=self.as_copy_text,
                changes=(template.marked, template.markers) if template else None,
            )
        return form.fill(row, changes)

    # One case and everything that hangs off it.

    def _person(self, batch: _Batch, ids: dict, pk: int, opened_at) -> None:
        """The person, sealed field by field to its row, with the blind indexes Person.save()
        derives and the search tokens and match keys sync_person_keys writes after it."""
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(60 * 365))
        phone = f"312555{rng.randrange(10_000):04d}"
        key = (first, last)
        if key not in self._names:
            normalised = crypto.normalise_name(first, last)
            self._names[key] = (normalised, crypto.blind_index("name", normalised))
        normalised, name_index = self._names[key]
        seal = self.table(Person).seal
        dob = born.isoformat()
        batch.add(Person, {
            "id": pk, "reference": reference("P", pk),
            "first_name": seal(first, "first_name", pk), "last_name": seal(last, "last_name", pk),
            "date_of_birth": seal(dob, "date_of_birth", pk), "phone": seal(phone, "phone", pk),
            # The same keyed hashes Person.save() derives (crypto.name_dob_index and friends).
            "name_dob_index": crypto.blind_index("name+dob", f"{normalised}|{dob}"),
            "name_index": name_index,
            "phone_index": self._phone_index(phone),
            "created_at": opened_at,
        })
        tokens, match = self._person_keys(first, last, born)
        # Sorted, as sync_person_keys creates them. Some 13 a person: straight to COPY lines
        # where the columns are (id, person_id, token), as they are today (a token is hex).
        if self._token_lines:
            token_ids = ids["search_token"]
            batch.lines.setdefault(PersonSearchToken, []).extend(
                [f"{next(token_ids)}\t{pk}\t{token}\n" for token in tokens]
            )
        else:
            for token in tokens:
                batch.add(PersonSearchToken, {
                    "id": next(ids["search_token"]), "person_id": pk, "token": token,
                })
        batch.add(PersonMatchKey, {
            "id": next(ids["match_key"]), "person_id": pk, "is_alias": False,
            "first_bloom": match.first_bloom, "last_bloom": match.last_bloom,
            "nickname": match.nickname, "dob": match.dob,
        })

    def _person_keys(self, first: str, last: str, born: datetime.date):
        """What name_keys.person_key_rows gives a person with these names and no alias: the
        search tokens, sorted, and the match keys. Put together from parts cached by what
        each depends on: the names (prefix tokens, name blocking codes, blooms, nickname),
        the surname and year of birth (the year's blocking code: blocking_tokens of the
        surname alone), and the date of birth. A test compares them with person_key_rows."""
        named = self._named.get((first, last))
        if named is None:
            # name_tokens and the blooms take each name on its own; the nickname is the first
            # name's. Cached per name, as a data set of 250,000 people meets each pair often.
            given, family = self._single(first, ""), self._single("", last)
            named = self._named[(first, last)] = (
                given[0] | family[0] | name_keys.blocking_tokens(first, last, None),
                dataclasses.replace(given[1], last_bloom=family[1].last_bloom),
            )
        year = self._years.get((last, born.year))
        if year is None:
            year = self._years[(last, born.year)] = name_keys.blocking_tokens("", last, born)
        dob = self._dob_tokens.get(born)
        if dob is None:
            dob = self._dob_tokens[born] = name_keys.dob_token(born)
        tokens = sorted(named[0] | year | {dob})
        return tokens, dataclasses.replace(named[1], dob=dob)

    def _single(self, first: str, last: str):
        key = (first, last)
        if key not in self._singles:
            self._singles[key] = (name_keys.name_tokens(first or last),
                                  name_keys.match_keys(first, last, None))
        return self._singles[key]

    def _phone_index(self, phone: str) -> str:
        if phone not in self._phones:
            self._phones[phone] = crypto.blind_index("phone", crypto.normalise_phone(phone))
        return self._phones[phone]

    def add_case(self, batch: _Batch, ids: dict, team: int, caseworker: int, staff: Staff,
                 services) -> None:
        rng, now = self.rng, self.now
        case_id, person_id = next(ids["case"]), next(ids["person"])
        stage = rng.choices(_STAGES, cum_weights=_CUM_WEIGHTS)[0]
        opened_at = now - datetime.timedelta(days=rng.uniform(2, 1000))
        path = PATHS[stage]
        span = (now - opened_at) / (len(path) + 1)
        intake = staff.intake[case_id % len(staff.intake)]
        supervisor = staff.supervisors[team]
        self._person(batch, ids, person_id, opened_at)
        when = opened_at
        for name, source, target in path:
            when = when + span * rng.uniform(0.5, 1.0)
            actor = supervisor if name == "close" else (intake if name == "screen_out"
                                                        else caseworker)
            pk = next(ids["transition"])
            batch.add(CaseTransition, {
                "id": pk, "case_id": case_id, "name": name,
                "source": source, "target": target, "actor_id": actor,
                "reason": self.table(CaseTransition).seal(REASONED.get(name, ""), "reason", pk),
                "at": when,
            })
        closed = stage in Case.CLOSED_STAGES
        case = {
            "id": case_id, "reference": reference("C", case_id), "person_id": person_id,
            "team_id": team, "caseworker_id": caseworker,
            "pathway": Pathway.REENTRY if case_id % 3 == 0 else Pathway.PREVENTION,
            "stage": stage, "stage_entered_at": when, "opened_at": opened_at,
            "closed_at": when if closed else None,
            "closure_reason": Case.ClosureReason.GOALS_MET if stage == Case.Stage.CLOSED else "",
        }
        batch.add(Case, case)
        batch.add(CaseUserObjectPermission, {
            "id": next(ids["grant"]), "permission_id": self.view_case, "user_id": caseworker,
            "content_object_id": case_id,
        })
        if path and path[0][0] == "begin_assessment":
            batch.add(Consent, {
                "id": next(ids["consent"]), "case_id": case_id, "method": Consent.Method.WRITTEN,
                "given_on": opened_at.date(), "recorded_by_id": caseworker,
                "recorded_at": opened_at, "withdrawn_at": None,
            })
        if stage == Case.Stage.ASSESSMENT or stage in ASSESSED:
            done = stage in ASSESSED
            pk = next(ids["assessment"])
            batch.add(Assessment, {
                "id": pk, "case_id": case_id, "version": 1,
                "instrument_id": None,
                "risk_level": rng.choice(RISK_LEVELS) if done else "",
                "needs_summary": self.table(Assessment).seal(rng.choice(NEEDS), "needs_summary",
                                                             pk),
                "completed_by_id": caseworker, "created_at": opened_at,
                "completed_at": when if done else None,
                "signed_off_by_id": supervisor if done else None,
                "signed_off_at": when if done else None,
            })
        self._tasks(batch, ids, case, caseworker, intake)
        for _ in range(rng.randrange(4)):
            pk = next(ids["note"])
            batch.add(CaseNote, {
                "id": pk, "case_id": case_id, "author_id": caseworker,
                "text": self.table(CaseNote).seal(rng.choice(NOTE_TEXTS), "text", pk),
                "sensitivity": CaseNote.Sensitivity.STANDARD, "amends_id": None,
                "written_at": opened_at + (now - opened_at) * rng.random(),
            })
        if stage in (Case.Stage.FOLLOW_UP, Case.Stage.CLOSED) and rng.random() < 0.3:
            self._provider_referral(batch, ids, case, caseworker, services, when)
        self._audit(batch, ids, case, intake, caseworker)

    def _tasks(self, batch, ids, case, caseworker, intake) -> None:
        opened_at, stage = case["opened_at"], case["stage"]
        batch.add(Task, {
            "id": next(ids["task"]), "case_id": case["id"], "owner_id": caseworker,
            "kind": Task.Kind.REVIEW_NEW_CASE, "follow_up_id": None,
            "due_on": (opened_at + datetime.timedelta(days=2)).date(), "created_by_id": intake,
            "created_at": opened_at, "done_at": opened_at + datetime.timedelta(days=1),
            "done_by_id": caseworker, "cancelled": False,
        })
        kind = STAGE_TASK_KINDS.get(stage)
        if kind:
            batch.add(Task, {
                "id": next(ids["task"]), "case_id": case["id"], "owner_id": caseworker,
                "kind": kind, "follow_up_id": None,
                "due_on": (case["stage_entered_at"] + datetime.timedelta(days=10)).date(),
                "created_by_id": None, "created_at": case["stage_entered_at"],
                "done_at": None, "done_by_id": None, "cancelled": False,
            })

    def _provider_referral(self, batch, ids, case, caseworker, services, when) -> None:
        service, organization = self.rng.choice(services)
        pk = next(ids["provider_referral"])
        status = (ProviderReferral.Status.COMPLETED if case["stage"] == Case.Stage.CLOSED
                  else ProviderReferral.Status.IN_PROGRESS)
        batch.add(ProviderReferral, {
            "id": pk, "reference": reference("PR", pk), "case_id": case["id"],
            "service_id": service, "organization_id": organization, "goal_id": None,
            "status": status, "status_changed_at": when,
            "outcome": ProviderReferral.Outcome.DELIVERED if status == "completed" else "",
            "shared": ",".join(ProviderReferral.DEFAULT_SHARE),
            "shared_need": self.table(ProviderReferral).seal(self.rng.choice(NEEDS),
                                                             "shared_need", pk),
            "sent_by_id": caseworker, "sent_at": when, "started_at": when,
        })

    def _audit(self, batch, ids, case, intake, caseworker) -> None:
        """The entries the app writes for this case: the person's and the case's creation by
        intake, and two case-page reads by the caseworker (audit.access_log.record_read)."""
        person_id, opened_at = case["person_id"], case["opened_at"]
        person_ref = reference("P", person_id)
        opened = _utc_text(opened_at)
        person_changes, person_marked = self.person_changes.fill_json(
            id=str(person_id), reference=person_ref
        )
        case_changes, case_marked = self.case_changes.fill_json(
            id=str(case["id"]), reference=case["reference"], pathway=case["pathway"],
            stage=Case.Stage.INTAKE, closure_reason="",  # as opened; later moves are history
            person=str(person_id), team=str(case["team_id"]),
            caseworker="None",  # assigned after creation
            stage_entered_at=opened, opened_at=opened,
        )
        common = {"remote_addr": "127.0.0.1", "remote_port": None, "serialized_data": None,
                  "changes_text": "", "actor_email": None}
        cid = secrets.token_hex(16)
        batch.add(LogEntry, {
            **common, "id": next(ids["entry"]), "content_type_id": self.person_type,
            "object_pk": str(person_id), "object_id": person_id,
            "object_repr": person_ref, "action": LogEntry.Action.CREATE,
            "changes": person_changes, "actor_id": intake, "cid": cid,
            "timestamp": opened_at, "additional_data": None,
            FORM: ("person", person_marked),
        })
        batch.add(LogEntry, {
            **common, "id": next(ids["entry"]), "content_type_id": self.case_type,
            "object_pk": str(case["id"]), "object_id": case["id"],
            "object_repr": case["reference"], "action": LogEntry.Action.CREATE,
            "changes": case_changes, "actor_id": intake, "cid": cid,
            "timestamp": opened_at, "additional_data": None,
            FORM: ("case", case_marked),
        })
        for _ in range(2):
            batch.add(LogEntry, {
                **common, "id": next(ids["entry"]), "content_type_id": self.case_type,
                "object_pk": str(case["id"]), "object_id": case["id"],
                "object_repr": case["reference"], "action": LogEntry.Action.ACCESS,
                "changes": None, "actor_id": caseworker, "cid": secrets.token_hex(16),
                "timestamp": opened_at + (self.now - opened_at) * self.rng.random(),
                "additional_data": CASE_PAGE_READ, FORM: ("read", None),
            })


class ChangesTemplate:
    """auditlog's changes document for a create, as JSON text with the per-row values put in:
    the keys and constant values are those model_instance_diff gives for the model, so the
    entries have the app's shape; formatting text is ten times cheaper than json.dumps."""

    def __init__(self, model, varying: tuple[str, ...]):
        diff = {key: list(value) for key, value in model_instance_diff(None, model()).items()}
        for name in varying:
            diff[name] = ["None", f"\x00{name}\x00"]
        # The document with a marker for each per-row value: what the canonical form is made
        # from (sealing.canonical_parts), the values going in afterwards.
        self.marked = json.dumps(diff)
        self.markers = {name: json.dumps(f"\x00{name}\x00") for name in varying}
        text = self.marked.replace("%", "%%")
        for name in varying:
            text = text.replace(self.markers[name], f"%({name})s")
        self.text = text
        self.varying = varying
        self._marker_bytes = {name: marker.encode() for name, marker in self.markers.items()}

    def fill(self, **values: str) -> str:
        return self.text % {name: encode_basestring_ascii(value) for name, value in values.items()}

    def fill_json(self, **values: str) -> tuple[str, dict]:
        """The filled text, and each value's JSON by name (for sealing.EntryForm.fill)."""
        encoded = {name: encode_basestring_ascii(value) for name, value in values.items()}
        return self.text % encoded, encoded

    def fill_marked(self, **values: str) -> tuple[str, tuple[str, list]]:
        """The filled text, and (the marked document, [(marker, value's JSON)]) for
        sealing.canonical_parts."""
        encoded = {name: encode_basestring_ascii(value) for name, value in values.items()}
        markers = self._marker_bytes
        return self.text % encoded, (
            self.marked, [(markers[name], text.encode()) for name, text in encoded.items()]
        )


# The key under which an entry's row carries its kind and, for a create, its changes' values
# for the canonical form (Generator.entry_parts): not a column, so the writes leave it out.
FORM = "_form"
# What differs from one generated entry of a kind to the next; the rest is the kind's own.
ENTRY_VARYING = ("id", "object_pk", "object_id", "object_repr", "actor_id", "cid", "timestamp")
CASE_PAGE_READ = json.dumps({"part": "case page", "relation": "assigned"})


# Upper bounds of the rows one case can bring, to reserve ids for a batch.
PER_CASE = {
    "case": (Case, 1), "person": (Person, 1), "grant": (CaseUserObjectPermission, 1),
    # The longest names here give 21 search tokens (prefixes, date of birth, blocking codes).
    "search_token": (PersonSearchToken, 24), "match_key": (PersonMatchKey, 1),
    "transition": (CaseTransition, 4), "consent": (Consent, 1), "assessment": (Assessment, 1),
    "task": (Task, 2), "note": (CaseNote, 3), "provider_referral": (ProviderReferral, 1),
    "entry": (LogEntry, 4),
}
# Parents before children, so foreign keys hold at every statement.
WRITE_ORDER = (Person, PersonSearchToken, PersonMatchKey, Case, CaseUserObjectPermission,
               CaseTransition, Consent, Assessment, Task, CaseNote, ProviderReferral, LogEntry)


@dataclass
class Result:
    cases: int = 0
    rows: dict = field(default_factory=dict)
    users: int = 0
    entries: int = 0
    seconds: float = 0.0  # the whole run, wall clock
    write_seconds: float = 0.0  # building (waiting for the workers) and COPY
    seal_seconds: float = 0.0
    index_seconds: float = 0.0  # rebuilding the indexes and foreign keys set aside
    analyze_seconds: float = 0.0
    indexes_set_aside: int = 0
    processes: int = 0  # worker processes that built the batches
    # CPU this process, its workers and its PostgreSQL backend spent: on a busy machine wall
    # time says more about the neighbours than about the generator; CPU seconds say what an
    # idle one would do.
    cpu_seconds: float = 0.0
    server_cpu_seconds: float | None = None


def _server_cpu(using: str) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when it runs on this
    machine (/proc); None elsewhere."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _analyze(using: str, *, sessions: int = 2) -> float:
    """Fresh statistics on every table, as autovacuum would give: ANALYZE one table at a time
    on `sessions` connections at once, the largest tables first, so the cores share it.
    Returns the CPU seconds the other sessions' backends spent (0.0 where unknown)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
            "AND n.nspname = current_schema() ORDER BY pg_relation_size(c.oid) DESC"
        )
        tables = queue.SimpleQueue()
        for (table,) in cursor.fetchall():
            tables.put(table)

    def analyze_all():
        with connections[using].cursor() as cursor:
            while True:
                try:
                    table = tables.get_nowait()
                except queue.Empty:
                    return
                cursor.execute(f"ANALYZE {table}")  # a name PostgreSQL printed, quoted if need be

    spent = []

    def in_own_session():
        try:
            started = _server_cpu(using)
            analyze_all()
            ended = _server_cpu(using)
            if started is not None and ended is not None:
                spent.append(ended - started)
        finally:
            connections[using].close()  # this thread's own connection

    if connections[using].in_atomic_block:
        # The caller's transaction still holds the locks of what it wrote (tests run inside
        # one): another session's ANALYZE would wait for it, and it for that session.
        sessions = 1
    helpers = [threading.Thread(target=in_own_session) for _ in range(sessions - 1)]
    for helper in helpers:
        helper.start()
    analyze_all()
    for helper in helpers:
        helper.join()
    return sum(spent)


def _commit_without_waiting(using: str) -> None:
    """Let this transaction's commit return before its WAL reaches the disk. A crash may lose
    the newest batches of a generated data set, never part of one: an asynchronous commit is
    still atomic, and each batch commits with its marker row."""
    with connections[using].cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def _own_cpu() -> float:
    """CPU seconds of this process and of its finished workers."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


# The tables a batch fills, and the chain's links: what a large run sets the indexes aside for.
FILLED = (*WRITE_ORDER, ChainLink)


def ready(using: str) -> dict:
    """check_generated, then build whatever indexes and foreign keys an interrupted run left
    set aside (indexes.finish): the data set is then whole again. Returns the counts."""
    made = check_generated(using)
    indexes.finish(using)
    return made


def generate(cases: int, *, using: str = "default", seed: int = 1, batch_size: int = BATCH,
             progress=None, processes: int | None = None) -> Result:
    """Write `cases` more cases into `using` and seal their audit entries; refuse a database
    with data the generator did not write (RefusedDatabase, nothing changed).

    Batches commit one at a time, each with its marker row. On PostgreSQL, a run that at least
    doubles the data set instead sets the filled tables' indexes and foreign keys aside and
    writes every batch in one transaction: an interrupted run then leaves the data set as it
    was. When that transaction is the run's own, the indexes and foreign keys are built again
    after it commits, on two connections at once; their definitions commit with the rows
    (indexes.take_aside), so a run interrupted while building them leaves them for the next
    run, which builds them first (`ready`). Inside a caller's transaction they are built in
    it. `processes` build batches ahead (default: up to 2, on PostgreSQL)."""
    made = ready(using)
    result = Result()
    helpers_cpu = 0.0
    if cases <= 0:
        return result
    generator = Generator(using, seed=seed + made["cases"])
    started = time.perf_counter()
    cpu_started, server_started = _own_cpu(), _server_cpu(using)
    with transaction.atomic(using=using):
        _ensure_marker(using)
        services = _ensure_directory(using)
        staff, result.users = _ensure_staff(using, made["cases"] + cases, generator.sealer,
                                            generator.now)
        _record(using, cases=0, people=0, users=result.users)
    generator.staff(staff, services)
    specs = generator.plan(cases, batch_size, made["cases"])
    postgres = connections[using].vendor == "postgresql"
    if processes is None:
        processes = min(2, os.cpu_count() or 1) if postgres and len(specs) > 1 else 0
    result.processes = processes
    whole = postgres and cases >= made["cases"]
    tables = [model._meta.db_table for model in FILLED]
    links = generator.table(ChainLink)
    built_batches = workers.in_order(generator.build, specs, workers=processes)
    if whole and not connections[using].in_atomic_block:
        with transaction.atomic(using=using):
            held = indexes.take_aside(using, tables)
            result.indexes_set_aside = len(held)
            _write_batches(generator, built_batches, links, result, using=using,
                           postgres=postgres, started=started, progress=progress)
        loaded = time.perf_counter()
        helpers_cpu += _put_back(using, held)
    else:
        with (transaction.atomic(using=using) if whole else nullcontext()), \
                (indexes.set_aside(using, tables) if whole else nullcontext()) as held:
            result.indexes_set_aside = len(held or ())
            _write_batches(generator, built_batches, links, result, using=using,
                           postgres=postgres, started=started, progress=progress)
            loaded = time.perf_counter()
    result.index_seconds = time.perf_counter() - loaded
    result.write_seconds = loaded - started - result.seal_seconds
    if postgres:
        analyzed = time.perf_counter()
        helpers_cpu += _analyze(using)
        result.analyze_seconds = time.perf_counter() - analyzed
    if settings.AUDIT_ANCHOR_INTERVAL_SECONDS:
        # Sign the new head, as the sequencer would on its next seal: the run's entries are
        # then covered by an anchor outside the database from the start.
        anchors.record_anchor(using)
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = _own_cpu() - cpu_started
    server_now = _server_cpu(using)
    if server_started is not None and server_now is not None:
        result.server_cpu_seconds = server_now - server_started + helpers_cpu
    return result


def _put_back(using: str, held) -> float:
    """indexes.put_back_in_sessions on two sessions; returns the CPU seconds their backends
    spent (0.0 where unknown), which are not this connection's."""
    return indexes.put_back_in_sessions(using, held, sessions=2, cpu=_server_cpu)


def _write_batches(generator, built_batches, links, result: Result, *, using: str,
                   postgres: bool, started: float, progress) -> None:
    """Write each built batch and seal its entries, each batch in a transaction of its own
    (a savepoint, inside the run's) with its marker row."""
    for built in built_batches:
        with transaction.atomic(using=using):
            if postgres:
                _commit_without_waiting(using)
            for model in WRITE_ORDER:
                label = model._meta.label
                payload = built.payload[label]
                if isinstance(payload, str):
                    generator.table(model).write_text(payload)
                else:
                    generator.table(model).write(payload)
                result.rows[label] = result.rows.get(label, 0) + built.counts[label]
            written = time.perf_counter()
            result.entries += sealing.seal(built.entries, links, using=using)
            result.seal_seconds += time.perf_counter() - written
            _record(using, cases=built.size, people=built.size, users=0)
        result.cases += built.size
        result.seconds = time.perf_counter() - started
        if progress:
            progress(result)
