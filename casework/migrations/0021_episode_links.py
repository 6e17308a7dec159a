"""Fill in what 0020 added for the cases already there.

- returned_at: a case reopened or resumed before 0020 came back to intake with its history; the
  time of its latest reopen or resume is when it did.
- previous_episode: each case of a person with several is linked to the one opened before it.

Reversible: going back drops both columns (0020), so the reverse has nothing to undo.
"""

from django.db import migrations
from django.db.models import Count, Max


def fill(apps, schema_editor):
    Case = apps.get_model("casework", "Case")
    CaseTransition = apps.get_model("casework", "CaseTransition")
    returns = (
        CaseTransition.objects.filter(name__in=["reopen", "resume"])
        .values("case_id").annotate(last=Max("at")).order_by()
    )
    for row in returns.iterator():
        # Historical models are not audited: a schema-level backfill, not a user's change.
        Case.objects.filter(pk=row["case_id"]).update(returned_at=row["last"])
    people = (
        Case.objects.values("person_id").annotate(n=Count("pk")).filter(n__gt=1).order_by()
    )
    for row in people.iterator():
        previous = None
        for case in Case.objects.filter(person_id=row["person_id"]).order_by("opened_at", "pk"):
            if previous is not None:
                Case.objects.filter(pk=case.pk).update(previous_episode_id=previous)
            previous = case.pk


class Migration(migrations.Migration):
    dependencies = [("casework", "0020_episodes_and_transfers")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
