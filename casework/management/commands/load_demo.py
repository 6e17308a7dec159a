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

from casework import roles, workflow
from casework.models import Team, TeamMembership
from providers.models import Membership, Organization, Service
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
]

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

PROVIDERS = [
    ("Riverside Counselling Collective", "health", [("Talking therapy", "mental_health")]),
    ("Harbour Housing Trust", "nonprofit", [("Supported housing", "housing")]),
    ("Second Chance Works", "nonprofit", [("Job readiness programme", "employment"),
                                          ("Peer mentoring", "mentoring")]),
    ("Lantern Youth Centre", "faith", [("Youth mentoring", "youth")]),
]

STAGE_PATH = ["intake", "assessment", "service_plan", "follow_up", "closed"]


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
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in USERS:
            self.stdout.write(f"  {username:<12} {roles.LABELS[role]}")

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
                case = workflow.open_case(
                    referral, team=team, actor=users["intake"], caseworker=users[worker]
                )
            service = services[index % len(services)]
            self.walk(case, stage, users[worker], users["supervisor"], service)
            # Spread the ages so the caseload shows due and overdue stages.
            case.refresh_from_db()
            case.stage_entered_at = timezone.now() - datetime.timedelta(days=index % 6)
            case.save(update_fields=["stage_entered_at"])
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
                is_staff=(role == roles.ADMIN),
            )
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def make_providers(self, provider_user):
        services = []
        for name, kind, offered in PROVIDERS:
            org = Organization.objects.create(name=name, kind=kind)
            for service_name, category in offered:
                services.append(
                    Service.objects.create(organization=org, name=service_name, category=category)
                )
        Membership.objects.create(organization=services[0].organization, user=provider_user)
        return services

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
                workflow.complete_assessment(case, actor=worker, risk_level="moderate",
                                             needs_summary="Fictional needs summary.")
            self.move(case, "start_planning", worker)
        if target >= 3:
            with set_actor(worker):
                plan = workflow.draft_plan(case, actor=worker, goals="Fictional plan goals.",
                                           services=[service])
            with set_actor(supervisor):
                workflow.approve_plan(plan, actor=supervisor)
            self.move(case, "start_follow_up", worker)
        if target >= 4:
            with set_actor(worker):
                workflow.record_follow_up(case, actor=worker, kind="check_in", happened_on=today,
                                          summary="Fictional check-in notes.")
            self.move(case, "close", supervisor, reason="Goals met.", closure_reason="goals_met")

    def move(self, case, name, actor, **kwargs):
        with set_actor(actor):
            workflow.take_transition(case, name, actor=actor, **kwargs)
