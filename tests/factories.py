"""Factories for test data. People's names are obviously fake; canaries are planted per test."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from casework.models import Case, Person, Team, TeamMembership
from providers.models import Organization, Service
from referrals.models import Referral


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@test.invalid")
    password = factory.django.Password(None)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            # get_or_create: a transactional test's flush removes the groups the migration made.
            self.groups.add(Group.objects.get_or_create(name=name)[0])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


def join_team(user, team, role=TeamMembership.Role.MEMBER):
    return TeamMembership.objects.create(user=user, team=team, role=role)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Testfirst{n}")
    last_name = factory.Sequence(lambda n: f"Testlast{n}")
    date_of_birth = datetime.date(1990, 1, 1)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case created directly in any stage. Use casework.workflow to test how stages change."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    team = factory.SubFactory(TeamFactory)
    pathway = "prevention"

    @factory.post_generation
    def grant(self, create, extracted, **kwargs):
        # What workflow.assign_case does: the assigned caseworker holds a per-case grant.
        if self.caseworker_id:
            assign_perm("view_case", self.caseworker, self)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    category = "mentoring"


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    source = "family"
    first_name = factory.Sequence(lambda n: f"Reffirst{n}")
    last_name = factory.Sequence(lambda n: f"Reflast{n}")
    date_of_birth = datetime.date(1995, 5, 5)
    pathway = "prevention"
    urgency = "routine"
    concern = "Test concern."
