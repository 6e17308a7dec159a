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


# Closed-loop provider referrals ------------------------------------------------------------------


def partner_organization(name="Test Mentoring Org", *, agreement_expires_on=None, staff=()):
    """A provider organisation with an active data-sharing agreement and the given staff."""
    from providers.models import Membership

    org = OrganizationFactory(name=name)
    org.agreement_status = Organization.Agreement.ACTIVE
    org.agreement_expires_on = agreement_expires_on
    org.save()
    for user in staff:
        Membership.objects.get_or_create(organization=org, user=user)
    return org


def sharing_consent(case, *, by, organization=None, category="", expires_on=None,
                    given_on=None, data_categories=""):
    """A consent, in force, to share the case's summary with `organization` or `category`."""
    from django.utils import timezone

    from casework.models import Consent

    return Consent.objects.create(
        case=case, purpose=Consent.Purpose.PROVIDER_SHARING, organization=organization,
        service_category=category, method=Consent.Method.WRITTEN,
        given_on=given_on or timezone.localdate(), expires_on=expires_on, recorded_by=by,
        data_categories=data_categories,
    )


def sent_provider_referral(case, service, *, by, consent=True, **kwargs):
    """A referral sent through the real verb (with a covering consent unless told otherwise)."""
    from referrals import outgoing

    if consent:
        sharing_consent(case, by=by, organization=service.organization)
    kwargs.setdefault("share", ["first_name", "contact", "need"])
    kwargs.setdefault("need", "Test need: a mentor.")
    return outgoing.send_provider_referral(case, actor=by, service=service, **kwargs)


# MDT review (mdt/) ------------------------------------------------------------------


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mdt.Panel"
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Panel {n}")

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        for team in extracted or ():
            self.teams.add(team)


def seat(panel, user, role="social_services"):
    """Seat `user` on `panel` in `role` (PanelMember.Role value)."""
    from mdt.models import PanelMember

    return PanelMember.objects.create(panel=panel, user=user, role=role)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A meeting with its (empty, draft) minutes, as services.schedule_meeting makes it."""

    class Meta:
        model = "mdt.Meeting"
        skip_postgeneration_save = True

    panel = factory.SubFactory(PanelFactory)
    scheduled_for = factory.Sequence(
        lambda n: datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC)
        + datetime.timedelta(days=7 * n)
    )

    @factory.post_generation
    def minutes(self, create, extracted, **kwargs):
        from mdt.models import Minutes

        Minutes.objects.get_or_create(meeting=self)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mdt.AgendaItem"

    meeting = factory.SubFactory(MeetingFactory)
    case = factory.SubFactory(CaseFactory)
    reasons = factory.LazyFunction(lambda: ["manual"])
    order = factory.Sequence(lambda n: n + 1)


# --- The providers directory (providers/models.py) -----------------------------------------


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "providers.Location"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address_1 = factory.Sequence(lambda n: f"{n} Test Street")
    city = "Riverside"
    postal_code = "90501"


class ServiceLanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "providers.ServiceLanguage"

    service = factory.SubFactory(ServiceFactory)
    code = "en"
    name = "English"


class ServiceAtLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "providers.ServiceAtLocation"

    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(
        LocationFactory, organization=factory.SelfAttribute("..service.organization")
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "providers.Membership"

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, roles=["provider_staff"])
    is_admin = False
