"""The retention schedule: what is due is anonymised unless a legal hold is in force, every action
is on the record, and the audit chain still verifies afterwards."""

import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from audit import chain, events, sequencer
from casework.crypto import EncryptedField
from casework.models import Case, CaseNote, Person, PersonSearchToken
from privacy import holds, schedule
from privacy.retention_models import Anonymisation, LegalHold
from referrals.models import BiasIncident, Referral
from tests.factories import CaseFactory, PersonFactory, ReferralFactory, UserFactory

CLOSED = datetime.datetime(2018, 3, 1, 12, tzinfo=datetime.UTC)
LATER = "2025-06-01 03:00:00"  # more than six years after CLOSED


def clear_values_everywhere() -> list[str]:
    """Every encrypted value in the database, decrypted (the test's own look at every table)."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if not fields:
            continue
        for row in model.objects.all():
            found.extend(str(getattr(row, f.name)) for f in fields if getattr(row, f.name))
    return found


def closed_case(**kwargs):
    case = CaseFactory(stage=Case.Stage.CLOSED, closed_at=CLOSED, **kwargs)
    return case


def in_force(hold_on, placed_by, confirmed_by):
    reference = hold_on.reference
    hold = holds.propose_hold(actor=placed_by, reference=reference,
                              reason="Litigation notice received from the city attorney.")
    return holds.confirm_hold(hold, actor=confirmed_by, seen_revision=hold.revision)


def events_named(name):
    return LogEntry.objects.filter(additional_data__event=name)


@pytest.fixture
def priya2(db):
    from casework import roles

    return UserFactory(username="priya2", roles=[roles.PRIVACY_OFFICER])


@pytest.mark.django_db
def test_it_anonymises_a_closed_case_past_retention_and_leaves_a_held_one(alice, priya, priya2):
    due = closed_case(person=PersonFactory(first_name="Zebedee", last_name="Quarrington"))
    CaseNote.objects.create(case=due, author=alice, text="Met Zebedee at the library.")
    held = closed_case(person=PersonFactory(first_name="Ottoline", last_name="Pemberton"))
    CaseNote.objects.create(case=held, author=alice, text="Ottoline asked about housing.")
    hold = in_force(held, priya, priya2)

    with freeze_time(LATER):
        outcomes = {o.key: o for o in schedule.apply()}

    assert outcomes["closed-cases"].done == 1 and outcomes["closed-cases"].held == 1
    # The held case's person is not due at all while their case is kept.
    assert outcomes["people"].done == 1 and outcomes["people"].held == 0
    due.refresh_from_db()
    assert due.stage == Case.Stage.CLOSED and due.closed_at == CLOSED  # the skeleton stays
    assert CaseNote.objects.get(case=due).text == ""
    person = Person.objects.get(pk=due.person_id)
    assert (person.first_name, person.last_name, person.date_of_birth) == ("", "", None)
    assert person.name_index == "" and person.name_dob_index == ""
    assert not PersonSearchToken.objects.filter(person=person).exists()
    values = " ".join(clear_values_everywhere())
    assert "Zebedee" not in values and "Quarrington" not in values
    # The held case is untouched.
    assert "Ottoline" in values
    assert CaseNote.objects.get(case=held).text == "Ottoline asked about housing."
    assert Person.objects.get(pk=held.person_id).last_name == "Pemberton"

    # Both are on the record, by reference.
    anonymised = events_named(events.RETENTION_ANONYMISED)
    assert {e.object_repr for e in anonymised} == {due.reference, due.person.reference}
    kept = events_named(events.RETENTION_HELD)
    assert {e.object_repr for e in kept} == {held.reference}
    assert Anonymisation.objects.filter(record_type="casework.Case", object_id=due.pk).exists()
    assert hold.applies

    # The chain still verifies, by the library and by the command.
    sequencer.seal()
    assert chain.verify().ok
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)

    # A second run does nothing more (the ledger), and the held case is still kept.
    with freeze_time(LATER):
        again = {o.key: o for o in schedule.apply()}
    assert again["closed-cases"].done == 0 and again["closed-cases"].held == 1


@pytest.mark.django_db
def test_it_does_not_touch_a_case_closed_inside_the_retention_period(alice):
    recent = CaseFactory(stage=Case.Stage.CLOSED, closed_at=timezone.now())
    CaseNote.objects.create(case=recent, author=alice, text="Still kept.")
    outcomes = {o.key: o for o in schedule.apply()}
    assert outcomes["closed-cases"].done == 0
    assert CaseNote.objects.get(case=recent).text == "Still kept."


@pytest.mark.django_db
def test_a_proposed_hold_does_not_apply_until_it_is_confirmed(priya):
    case = closed_case()
    holds.propose_hold(actor=priya, reference=case.reference,
                       reason="Litigation notice received from the city attorney.")
    with freeze_time(LATER):
        outcomes = {o.key: o for o in schedule.apply()}
    assert outcomes["closed-cases"].done == 1


@pytest.mark.django_db
def test_a_hold_on_the_person_keeps_every_case_of_theirs(priya, priya2):
    case = closed_case()
    in_force(case.person, priya, priya2)
    with freeze_time(LATER):
        outcomes = {o.key: o for o in schedule.apply()}
    assert outcomes["closed-cases"].done == 0 and outcomes["closed-cases"].held == 1


@pytest.mark.django_db
def test_the_person_waits_while_another_case_of_theirs_is_open():
    case = closed_case()
    CaseFactory(person=case.person, stage=Case.Stage.FOLLOW_UP)
    with freeze_time(LATER):
        outcomes = {o.key: o for o in schedule.apply()}
    assert outcomes["closed-cases"].done == 1
    assert outcomes["people"].done == 0
    assert Person.objects.get(pk=case.person_id).first_name != ""


@pytest.mark.django_db
def test_screened_out_referrals_and_bias_reports_are_anonymised_on_their_own_schedule():
    with freeze_time("2023-01-10"):
        referral = ReferralFactory(first_name="Wilhelmina", status=Referral.Status.DECLINED,
                                   decided_at=timezone.now())
        waiting = ReferralFactory(first_name="Bartholomew")
        report = BiasIncident.objects.create(kind="vandalism", motivation="religion",
                                             occurred_on=datetime.date(2023, 1, 1),
                                             description="Graffiti on the community centre.",
                                             contact_name="Reporter Person")
    with freeze_time("2024-03-01"):  # 13 months on: the referral is due, the report is not
        outcomes = {o.key: o for o in schedule.apply()}
    assert outcomes["screened-out"].done == 1 and outcomes["bias-reports"].done == 0
    referral.refresh_from_db()
    waiting.refresh_from_db()
    assert referral.first_name == "" and referral.name_index == ""
    assert referral.status == Referral.Status.DECLINED
    assert waiting.first_name == "Bartholomew"
    with freeze_time("2026-02-01"):
        outcomes = {o.key: o for o in schedule.apply()}
    report.refresh_from_db()
    assert outcomes["bias-reports"].done == 1
    assert (report.description, report.contact_name) == ("", "")
    assert report.motivation == "religion"  # a code, kept for the landscape's counts


@pytest.mark.django_db
def test_working_records_are_deleted_in_batches_with_one_entry_each(alice):
    from casework.models import Notification

    with freeze_time("2025-01-01"):
        for n in range(5):
            Notification.objects.create(user=alice, message=f"m{n}", read_at=timezone.now())
    with freeze_time("2025-06-01"):
        outcomes = {o.key: o for o in schedule.apply(batch_size=2)}
    assert outcomes["working:casework.Notification"].done == 5
    assert not Notification.objects.exists()
    assert events_named(events.RETENTION_DELETED).count() == 3  # 2 + 2 + 1


@pytest.mark.django_db
def test_the_command_dry_run_counts_and_changes_nothing(alice, priya, priya2):
    closed_case()
    in_force(closed_case(), priya, priya2)
    out = io.StringIO()
    with freeze_time(LATER):
        call_command("apply_retention", "--dry-run", stdout=out)
    assert "closed-cases: 1 due (anonymise), 1 kept by a legal hold" in out.getvalue()
    assert not Anonymisation.objects.exists()
    out = io.StringIO()
    with freeze_time(LATER):
        call_command("apply_retention", stdout=out)
    assert "closed-cases: 1 anonymised, 1 kept by a legal hold" in out.getvalue()


@pytest.mark.django_db
def test_the_nightly_job_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-apply-retention"]
    assert entry["task"] == "privacy.tasks.apply_retention"
    from privacy.tasks import apply_retention

    assert apply_retention.name == "privacy.tasks.apply_retention"
    assert apply_retention.delay().get()["closed-cases"] == 0


def test_the_inventory_words_its_retention_rules_from_the_schedule_settings(settings):
    from privacy.inventory import INVENTORY

    settings.RETENTION_CLOSED_CASE_YEARS = 8
    assert str(INVENTORY["casework.Case"].retention).startswith("8 years after the case closes")
    settings.RETENTION_CLOSED_CASE_YEARS = 6
    assert str(INVENTORY["casework.Case"].retention).startswith("6 years")


def test_months_before_keeps_the_day_or_takes_the_months_last():
    moment = datetime.datetime(2024, 3, 31, 9, tzinfo=datetime.UTC)
    assert schedule.months_before(moment, 1) == moment.replace(month=2, day=29)
    assert schedule.months_before(moment, 12 * 6) == moment.replace(year=2018)
    assert LegalHold.Status.IN_FORCE in LegalHold.APPLIES


@pytest.mark.django_db
def test_someone_known_only_from_a_screened_out_referral_is_anonymised_after_it():
    person = PersonFactory(first_name="Leopoldine")
    with freeze_time("2023-01-10"):
        ReferralFactory(person=person, status=Referral.Status.DECLINED, decided_at=timezone.now())
    with freeze_time("2024-03-01"):
        outcomes = {o.key: o for o in schedule.apply()}
    assert outcomes["screened-out"].done == 1 and outcomes["people"].done == 1
    assert Person.objects.get(pk=person.pk).first_name == ""


@pytest.mark.django_db
def test_every_measure_counts_the_same_after_anonymising(alice, north):
    """The skeleton the anonymiser keeps is what the measures count."""
    from measures.periods import Filters, Period
    from measures.scopes import LiveScope
    from measures.selectors import MEASURES

    cases = []
    for reason in ("goals_met", "moved"):
        case = CaseFactory(team=north, pathway="reentry", stage=Case.Stage.CLOSED,
                           closed_at=timezone.now(), closure_reason=reason)
        ReferralFactory(case=case, person=case.person, pathway="reentry", source="probation")
        CaseNote.objects.create(case=case, author=alice, text="A note.")
        cases.append(case)
    period = Period.last_months(12)

    def counts():
        return {m.slug: m.count(LiveScope(period, Filters())).counts for m in MEASURES}

    before = counts()
    for case in cases:
        schedule.record_anonymisation(case, cause=Anonymisation.Cause.RETENTION, rule="test")
        schedule.record_anonymisation(case.person, cause=Anonymisation.Cause.RETENTION,
                                      rule="test")
    assert counts() == before
    assert {r.first_name for r in Referral.objects.all()} == {""}
