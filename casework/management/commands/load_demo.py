"""Load clearly fictional demo data: one user per role, a dozen people and cases, a few providers.

Every case is moved with the real workflow functions, so the timeline and the audit log show
the same history a real case would. Running it again changes nothing.
"""

import datetime

from auditlog.context import set_actor
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from casework import roles, selectors, signals, workflow
from casework.accounts import mfa
from casework.models import Case, Instrument, Task, Team, TeamMembership
from casework.tasks import send_due_reminders
from casework.transitions import CASE_TRANSITIONS
from measures.demo import load_demo_measures
from privacy.demo import load_demo_legal_hold
from providers import demo as demo_directory
from referrals import workflow as referral_workflow
from referrals.demo import load_demo_provider_referrals
from referrals.models import Referral

DEMO_PASSWORD = "demo-casework-2026"

USERS = [
    ("intake", roles.INTAKE),
    ("caseworker", roles.CASEWORKER),
    ("caseworker2", roles.CASEWORKER),
    ("supervisor", roles.SUPERVISOR),
    ("mdt", roles.MDT),
    ("provider", roles.PROVIDER),
    ("auditor", roles.AUDITOR),
    ("admin", roles.ADMIN),
    ("lead", roles.LEAD),
    ("privacy", roles.PRIVACY_OFFICER),
    # A second privacy officer: subject access, erasure and legal holds need two people.
    ("privacy2", roles.PRIVACY_OFFICER),
]
# Fictional staff names: lists show people by name, not by user name.
STAFF_NAMES = {
    "intake": ("Imani", "Okoro"),
    "caseworker": ("Casey", "Rowan"),
    "caseworker2": ("Dev", "Marlowe"),
    "supervisor": ("Sunita", "Hale"),
    "mdt": ("Mateo", "Lindqvist"),
    "provider": ("Priya", "Bell"),
    "auditor": ("Aurelio", "Vance"),
    "admin": ("Ada", "Strand"),
    "lead": ("Leona", "Fairbrook"),
    "privacy": ("Noor", "Castellan"),
    "privacy2": ("Tomas", "Ferrand"),
}

# Fictional people: (first, last, date of birth, pathway, target stage, caseworker)
PEOPLE = [
    ("Zephyr", "Quillfeather", "1998-02-11", "prevention", "intake", "caseworker"),
    ("Marigold", "Tumbleweed", "2001-07-23", "reentry", "intake", "caseworker2"),
    ("Orrin", "Spindlewick", "1994-11-02", "prevention", "assessment", "caseworker"),
    ("Bramble", "Fernsby", "1989-05-17", "reentry", "assessment", "caseworker2"),
    ("Cosima", "Larkspur", "2003-01-30", "prevention", "service_plan", "caseworker"),
    ("Thaddeus", "Mooncroft", "1985-09-09", "reentry", "service_plan", "caseworker2"),
    ("Juniper", "Otterbury", "1999-12-12", "prevention", "follow_up", "caseworker"),
    ("Percival", "Driftwood", "1979-03-03", "reentry", "follow_up", "caseworker2"),
    ("Wren", "Ashgrove", "2002-08-08", "prevention", "closed", "caseworker"),
    ("Basil", "Nettlefield", "1992-04-21", "reentry", "screened_out", "caseworker2"),
    ("Ottilie", "Pebblestone", "1996-06-06", "prevention", "escalated", "caseworker"),
    ("Fennimore", "Gladwell", "1990-10-10", "reentry", "follow_up", "caseworker"),
]

NEW_REFERRALS = [
    ("Sorrel", "Hazelwood", "2000-05-05", "prevention", "immediate"),
    ("Tobias", "Kettleburn", "1983-03-14", "reentry", "routine"),
]

STAGE_PATH = ["intake", "assessment", "service_plan", "follow_up", "closed"]

# Fictional assessment ratings, by pathway: (domain code, factor code, rating, evidence).
DEMO_RATINGS = {
    "prevention": [
        ("engagement", "grievance", "high", "Fictional: talks often about being treated unfairly."),
        ("engagement", "identity", "moderate", "Fictional: recently left a sports club."),
        ("engagement", "influence", "moderate", "Fictional: spends evenings on one forum."),
        ("intent", "us_and_them", "low", ""),
        ("capability", "criminal_history", "none", ""),
        ("protective", "family_community", "moderate", "Fictional: close to an older sister."),
        ("housing_income", "employment", "moderate", "Fictional: looking for an apprenticeship."),
        ("family_support", "mentoring", "high", "Fictional: asked for a mentor."),
    ],
    "reentry": [
        ("housing_income", "housing", "high", "Fictional: no address on release."),
        ("housing_income", "id_documents", "high", "Fictional: state ID expired."),
        ("housing_income", "employment", "moderate", ""),
        ("health", "substance_use", "moderate", "Fictional: in recovery, wants support."),
        ("legal", "supervision", "moderate", "Fictional: monthly parole reporting."),
        ("protective", "help_seeking", "high", "Fictional: keen to engage."),
        ("capability", "criminal_history", "high", "Fictional: prior conviction."),
    ],
}


class Command(BaseCommand):
    help = "Load fictional demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(username="caseworker").exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            with transaction.atomic():
                self.load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        # Every sign-in needs a second factor: demo accounts come with an authenticator.
        for user in User.objects.filter(username__in=[name for name, _ in USERS]):
            mfa.enrol_demo_authenticator(user)
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in USERS:
            self.stdout.write(f"  {username:<12} {roles.LABELS[role]}")
        self.stdout.write(
            "\nEvery sign-in asks for a second factor. Each demo account has an authenticator;"
            "\nget its current code with:  .venv/bin/python manage.py demo_code USERNAME"
        )

    def load(self):
        users = self.make_users()
        team = Team.objects.create(name="North team")
        for name in ("caseworker", "caseworker2"):
            TeamMembership.objects.create(team=team, user=users[name])
        TeamMembership.objects.create(
            team=team, user=users["supervisor"], role=TeamMembership.Role.SUPERVISOR
        )
        services = self.make_providers(users["provider"])
        for index, (first, last, dob, pathway, stage, worker) in enumerate(PEOPLE):
            referral = Referral.objects.create(
                source=Referral.Source.COMMUNITY, first_name=first, last_name=last,
                date_of_birth=datetime.date.fromisoformat(dob), pathway=pathway,
                concern="Fictional demo concern for training purposes.",
                entered_by=users["intake"],
            )
            with set_actor(users["intake"]):
                case = referral_workflow.open_case_from_referral(
                    referral, team=team, actor=users["intake"], caseworker=users[worker]
                )
            service = services[index % len(services)]
            self.walk(case, stage, users[worker], users["supervisor"], service)
            # Spread the ages so the caseload shows due and overdue stages.
            case.refresh_from_db()
            case.stage_entered_at = timezone.now() - datetime.timedelta(days=index % 6)
            case.save(update_fields=["stage_entered_at"])
        self.show_more(users)
        load_demo_provider_referrals(caseworker=users["caseworker"], provider=users["provider"])
        signals.demo_caseload_loaded.send(sender=type(self), team=team, users=users)
        load_demo_measures(lead=users["lead"])
        load_demo_legal_hold()
        for first, last, dob, pathway, urgency in NEW_REFERRALS:
            Referral.objects.create(
                source=Referral.Source.FAMILY, first_name=first, last_name=last,
                date_of_birth=datetime.date.fromisoformat(dob), pathway=pathway,
                urgency=urgency, concern="Fictional demo concern for training purposes.",
                entered_by=users["intake"],
            )

    def make_users(self):
        User = get_user_model()
        users = {}
        for username, role in USERS:
            user = User.objects.create_user(
                username=username, password=DEMO_PASSWORD, email=f"{username}@demo.invalid",
                is_staff=(role == roles.ADMIN), first_name=STAFF_NAMES[username][0],
                last_name=STAFF_NAMES[username][1],
            )
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        # The supervisor also belongs to the health compartment: health-only notes are theirs.
        users["supervisor"].groups.add(Group.objects.get(name=roles.COMPARTMENT_HEALTH))
        return users

    def make_providers(self, provider_user):
        """The sample HSDS directory (providers/samples/); `provider` administers the first
        service's organisation."""
        return demo_directory.load_directory(provider_user)

    def walk(self, case, stage, worker, supervisor, service):
        """Take `case` along the normal path to `stage`, as the people who would do it."""
        today = timezone.localdate()
        if stage == "screened_out":
            self.move(case, "screen_out", supervisor, reason="Needs are met by another service.")
            return
        if stage == "escalated":
            self.move(case, "escalate", worker, reason="Handed to emergency services.")
            return
        target = STAGE_PATH.index(stage)
        if target >= 1:
            with set_actor(worker):
                workflow.record_consent(case, actor=worker, method="written", given_on=today,
                                        purpose="support")
            self.move(case, "begin_assessment", worker)
        if target >= 2:
            with set_actor(worker):
                workflow.complete_assessment(
                    case, actor=worker, risk_level="moderate",
                    needs_summary="Fictional needs summary.", ratings=self.ratings(case),
                )
            with set_actor(supervisor):
                workflow.sign_off_assessment(case.assessments.get(), actor=supervisor)
            self.move(case, "start_planning", worker)
        if target >= 3:
            needs = selectors.assessed_needs(case)
            with set_actor(worker):
                plan = workflow.draft_plan(
                    case, actor=worker, goals="Fictional goal: the first step agreed.",
                    services=[service], need=needs[0].factor if needs else None,
                )
                if len(needs) > 1:
                    workflow.add_goal(plan, actor=worker, need=needs[1].factor,
                                      description="Fictional goal: the second step.",
                                      services=[service], frequency="monthly")
            with set_actor(supervisor):
                workflow.approve_plan(plan, actor=supervisor)
            self.move(case, "start_follow_up", worker)
            with set_actor(worker):
                workflow.record_follow_up(case, actor=worker, kind="check_in", mode="visit",
                                          happened_on=today, summary="Fictional check-in notes.")
                workflow.write_note(case, actor=worker,
                                    text="Fictional note: met at the community centre.")
        if target == 3:
            with set_actor(worker):
                workflow.schedule_follow_up(case, actor=worker, mode="phone",
                                            due_on=today + datetime.timedelta(days=1))
        if target >= 4:
            review = case.follow_ups.get(kind="review", outcome="scheduled")
            with set_actor(worker):
                workflow.record_outcome(
                    review, actor=worker, outcome="completed", happened_on=today,
                    summary="Fictional review: goals met.",
                    progress={goal.pk: ("achieved", "Fictional.")
                              for goal in selectors.current_plan(case).plan_goals.all()},
                )
            with set_actor(worker):
                workflow.request_closure(case, actor=worker, closure_reason="goals_met",
                                         reason="Fictional: every goal of the plan is met.")
            self.move(case, "close", supervisor, reason="Goals met.")

    def ratings(self, case):
        """The fictional ratings for the case's pathway, as factor ids of the current instrument."""
        factors = {
            (factor.domain.code, factor.code): factor.pk
            for factor in selectors.instrument_factors(Instrument.current())
        }
        return {factors[(d, f)]: (rating, evidence)
                for d, f, rating, evidence in DEMO_RATINGS[case.pathway] if (d, f) in factors}

    def show_more(self, users):
        """A reassessment with changes to compare, notes of each kind, tasks due and overdue,
        and the daily job's reminders: what the casework pages are for."""
        worker, supervisor = users["caseworker"], users["supervisor"]
        today = timezone.localdate()
        case = Case.objects.filter(caseworker=worker, stage="follow_up").order_by("pk").first()
        ratings = self.ratings(case)
        changed = dict(ratings)
        for key, (rating, _evidence) in ratings.items():
            if rating == "high":
                changed[key] = ("low", "Fictional: much better since the last assessment.")
        with set_actor(worker):
            workflow.complete_assessment(
                case, actor=worker, risk_level="low", needs_summary="Fictional: doing well.",
                ratings=changed, change_summary="Fictional: settled, working, mentor weekly.",
            )
            workflow.write_note(case, actor=worker, sensitivity="restricted",
                                text="Fictional restricted note: a family matter.")
            workflow.add_task(case, actor=worker, title="Fictional: phone the mentor.",
                              owner=worker, due_on=today + datetime.timedelta(days=1))
        # The reassessment is signed off like the first: no case goes on without sign-off.
        with set_actor(supervisor):
            workflow.sign_off_assessment(selectors.latest_assessment(case), actor=supervisor)
        with set_actor(supervisor):
            workflow.write_note(case, actor=supervisor, sensitivity="health",
                                text="Fictional health-only note from the clinic.")
        other = Case.objects.filter(caseworker=users["caseworker2"], stage="follow_up").first()
        # As if written last week and not done: overdue, so the supervisor is told.
        Task.objects.create(case=other, owner=users["caseworker2"], kind=Task.Kind.OTHER,
                            title="Fictional: send the housing form.", created_by=supervisor,
                            due_on=today - datetime.timedelta(days=3))
        send_due_reminders()  # the daily job, run in-process now: the notices it leaves

    def move(self, case, name, actor, **kwargs):
        """Take the transition as its page would: a forward move with its suggested reason."""
        kwargs.setdefault("reason", str(CASE_TRANSITIONS[name].default_reason))
        with set_actor(actor):
            workflow.take_transition(case, name, actor=actor, **kwargs)
