"""The retention schedule: what falls due when, and the nightly job that applies it.

One rule per record type the inventory gives a scheduled retention (privacy/inventory_types.py
reads the same RETENTION_* settings to word them, so the record of processing and this job
agree):

    closed-cases        Case closed more than RETENTION_CLOSED_CASE_YEARS ago   anonymised
    people              Person whose every case and referral is anonymised      anonymised
    screened-out        Referral declined, signposted or merged without a case,
                        decided more than RETENTION_SCREENED_OUT_MONTHS ago      anonymised
    bias-reports        BiasIncident received more than RETENTION_BIAS_REPORT_YEARS
                        ago                                                       anonymised
    working:<label>     form tokens, read notifications, delivered webhooks,
                        roll-up runs, finished imports, older than
                        RETENTION_WORKING_DAYS                                   deleted

A case or person under a legal hold in force (on the person or any of their cases) is skipped,
and the skip is on the record. Each batch of RETENTION_BATCH_SIZE is its own transaction that
locks its rows and re-reads the holds, so a hold confirmed while the job runs is respected and
a killed job leaves every record either as it was or fully anonymised (and in the ledger,
privacy.Anonymisation, so the next run does not do it again).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit import events
from privacy import anonymise
from privacy.retention_models import Anonymisation, LegalHold


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` months earlier (the month's last day if it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def _ledger(label: str) -> QuerySet:
    return Anonymisation.objects.filter(record_type=label).values("object_id")


def _holds() -> QuerySet:
    return LegalHold.objects.filter(status__in=LegalHold.APPLIES)


def held_person_ids() -> QuerySet:
    """People under a hold in force, on themselves or on any of their cases."""
    Case = apps.get_model("casework", "Case")
    direct = _holds().filter(person__isnull=False).values("person_id")
    via_case = Case.objects.filter(pk__in=_holds().filter(case__isnull=False).values("case_id"))
    return apps.get_model("casework", "Person").objects.filter(
        Q(pk__in=direct) | Q(pk__in=via_case.values("person_id"))).values("pk")


def held_case_ids() -> QuerySet:
    """Cases under a hold in force, on the case or on its person."""
    Case = apps.get_model("casework", "Case")
    return Case.objects.filter(
        Q(pk__in=_holds().filter(case__isnull=False).values("case_id"))
        | Q(person_id__in=_holds().filter(person__isnull=False).values("person_id"))
    ).values("pk")


def is_person_held(person) -> bool:
    return held_person_ids().filter(pk=person.pk).exists()


# The rules --------------------------------------------------------------------------------


def _closed_cases(now) -> tuple[QuerySet, QuerySet]:
    Case = apps.get_model("casework", "Case")
    cutoff = months_before(now, 12 * settings.RETENTION_CLOSED_CASE_YEARS)
    due = (Case.objects.filter(stage=Case.Stage.CLOSED, closed_at__lt=cutoff)
           .exclude(pk__in=_ledger("casework.Case")))
    return due.exclude(pk__in=held_case_ids()), due.filter(pk__in=held_case_ids())


def _people(now) -> tuple[QuerySet, QuerySet]:
    Person = apps.get_model("casework", "Person")
    Case = apps.get_model("casework", "Case")
    Referral = apps.get_model("referrals", "Referral")
    cases = Case.objects.filter(person=OuterRef("pk"))
    waiting_case = cases.exclude(pk__in=_ledger("casework.Case"))
    # A referral of theirs without a case follows the screened-out rule (or is still open).
    waiting_referral = (Referral.objects.filter(person=OuterRef("pk"), case__isnull=True)
                        .exclude(pk__in=_ledger("referrals.Referral")))
    # Someone known only from referrals (never a case) is due once those are anonymised.
    referrals = Referral.objects.filter(Q(person=OuterRef("pk")) | Q(case__person=OuterRef("pk")))
    due = (Person.objects.filter(Exists(cases) | Exists(referrals)).exclude(Exists(waiting_case))
           .exclude(Exists(waiting_referral)).exclude(pk__in=_ledger("casework.Person")))
    return due.exclude(pk__in=held_person_ids()), due.filter(pk__in=held_person_ids())


def _screened_out(now) -> tuple[QuerySet, QuerySet]:
    Referral = apps.get_model("referrals", "Referral")
    cutoff = months_before(now, settings.RETENTION_SCREENED_OUT_MONTHS)
    due = (Referral.objects.filter(
        status__in=[Referral.Status.DECLINED, Referral.Status.SIGNPOSTED, Referral.Status.MERGED],
        case__isnull=True, decided_at__lt=cutoff,
    ).exclude(pk__in=_ledger("referrals.Referral")))
    held = Q(person_id__in=held_person_ids())
    return due.exclude(held), due.filter(held)


def _bias_reports(now) -> tuple[QuerySet, QuerySet]:
    BiasIncident = apps.get_model("referrals", "BiasIncident")
    cutoff = months_before(now, 12 * settings.RETENTION_BIAS_REPORT_YEARS)
    due = (BiasIncident.objects.filter(received_at__lt=cutoff)
           .exclude(pk__in=_ledger("referrals.BiasIncident")))
    return due, due.none()  # a hold is on a person or a case; a report is neither


@dataclass(frozen=True)
class Rule:
    key: str
    label: str  # the record type, as privacy/inventory.py names it
    action: str  # "anonymise" or "delete"
    select: Callable  # now -> (due, held)


def _working(label: str, field: str, **conditions) -> Rule:
    def select(now):
        model = apps.get_model(label)
        cutoff = now - datetime.timedelta(days=settings.RETENTION_WORKING_DAYS)
        due = model.objects.filter(**{f"{field}__lt": cutoff}, **conditions)
        return due, due.none()

    return Rule(f"working:{label}", label, "delete", select)


RULES: tuple[Rule, ...] = (
    Rule("closed-cases", "casework.Case", "anonymise", _closed_cases),
    Rule("screened-out", "referrals.Referral", "anonymise", _screened_out),
    # After the cases and referrals: a person is due once theirs are anonymised.
    Rule("people", "casework.Person", "anonymise", _people),
    Rule("bias-reports", "referrals.BiasIncident", "anonymise", _bias_reports),
    _working("casework.FormSubmission", "created_at"),
    _working("casework.Notification", "read_at"),
    _working("api.WebhookDelivery", "delivered_at", status="delivered"),
    _working("measures.RollupRun", "finished_at"),
    _working("providers.ImportRun", "finished_at"),
)


@dataclass
class Outcome:
    key: str
    action: str
    due: int = 0
    held: int = 0
    done: int = 0


def report(now: datetime.datetime | None = None) -> list[Outcome]:
    """How many records each rule would act on now, and how many a hold keeps (no writes)."""
    now = now or timezone.now()
    outcomes = []
    for rule in RULES:
        due, held = rule.select(now)
        outcomes.append(Outcome(rule.key, rule.action, due=due.count(), held=held.count()))
    return outcomes


def apply(now: datetime.datetime | None = None, *, batch_size: int | None = None,
          max_batches: int | None = None) -> list[Outcome]:
    """Apply every rule, in batches of one transaction each; return what was done."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    max_batches = max_batches or settings.RETENTION_MAX_BATCHES
    outcomes = []
    for rule in RULES:
        outcome = Outcome(rule.key, rule.action)
        _record_held(rule, now, outcome, limit=batch_size * max_batches)
        for _batch in range(max_batches):
            done = _apply_batch(rule, now, batch_size)
            outcome.done += done
            if done < batch_size:
                break
        outcomes.append(outcome)
    return outcomes


def _record_held(rule: Rule, now, outcome: Outcome, *, limit: int) -> None:
    """Put each record a hold keeps from its rule on the record (bounded, like the work)."""
    _due, held = rule.select(now)
    for obj in held.order_by("pk")[:limit]:
        events.record(events.RETENTION_HELD, instance=obj, rule=rule.key)
        outcome.held += 1


@transaction.atomic
def _apply_batch(rule: Rule, now, batch_size: int) -> int:
    due, _held = rule.select(now)
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
    if not ids:
        return 0
    model = due.model
    # Lock the batch, then select again: a hold confirmed meanwhile (holds.confirm locks the
    # same rows) or a run in parallel is seen now.
    list(model.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    due, _held = rule.select(now)
    rows = list(due.filter(pk__in=ids).order_by("pk"))
    if rule.action == "delete":
        deleted, _ = model.objects.filter(pk__in=[row.pk for row in rows]).delete()
        events.record(events.RETENTION_DELETED, model=model, reference=rule.key, rule=rule.key,
                      rows=len(rows))
        return len(rows) or deleted
    for obj in rows:
        record_anonymisation(obj, cause=Anonymisation.Cause.RETENTION, rule=rule.key)
    return len(rows)


def record_anonymisation(obj, *, cause: str, rule: str = "", erasure=None,
                         actor=None) -> dict[str, int]:
    """Anonymise `obj` with everything that belongs to it, enter it in the ledger and on the
    audit record (references and counts only). Call inside a transaction."""
    counts = anonymise.anonymise(obj)
    Anonymisation.objects.create(
        record_type=obj._meta.label, object_id=obj.pk, reference=getattr(obj, "reference", ""),
        cause=cause, rule=rule, erasure=erasure, counts=counts,
    )
    details = {"rule": rule} if rule else {"erasure": erasure.pk if erasure else None}
    events.record(events.RETENTION_ANONYMISED, instance=obj, cause=cause, counts=counts,
                  actor=actor, **details)
    return counts
