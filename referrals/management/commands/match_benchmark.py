"""`manage.py match_benchmark`: recall and precision of fuzzy duplicate detection's top match on
a labelled synthetic set (referrals.match_benchmark). Nothing it saves is kept."""

from django.core.management.base import BaseCommand
from django.db import transaction

from referrals import fuzzy, match_benchmark


class Command(BaseCommand):
    help = "Measure fuzzy duplicate detection on synthetic people and their variants."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=1000,
                            help="known people, each searched for again as a variant")
        parser.add_argument("--distractors", type=int, default=500,
                            help="searches for people who are not known")
        parser.add_argument("--seed", type=int, default=18)
        parser.add_argument("--threshold", type=float, default=fuzzy.THRESHOLD)

    def handle(self, *args, **options):
        with transaction.atomic():
            result = match_benchmark.run(
                people=options["people"], distractors=options["distractors"],
                seed=options["seed"], threshold=options["threshold"],
            )
            transaction.set_rollback(True)  # the synthetic people are not kept
        out = self.stdout
        out.write(f"Known people: {options['people']}, distractors: {options['distractors']}, "
                  f"threshold: {options['threshold']:.2f}, seed: {options['seed']}")
        out.write(f"Searches: {result.searches}; right top match: {result.right}; "
                  f"wrong top match: {result.wrong}")
        out.write(f"Recall: {result.recall:.1%}  Precision: {result.precision:.1%}")
        for kind, total in sorted(result.known_by_kind.items()):
            out.write(f"  {kind}: {total - result.missed_by_kind[kind]}/{total} found")
        for kind, count in sorted(result.missed_by_kind.items()):
            if kind not in result.known_by_kind:
                out.write(f"  distractor '{kind}' flagged: {count}")
