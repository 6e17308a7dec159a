"""Writes a provider admin makes (staff, capacity) and the directory admin's taxonomy mapping and
re-imports. Each is atomic and audited by its save."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from casework import roles
from casework.refusals import Refused
from providers.hsds import jobs, taxonomy
from providers.models import ImportRun, Membership, Organization, Service, TaxonomyTerm


class DirectoryChangeRefused(Refused):
    """A change to the directory that cannot be made; `messages` say why."""


@transaction.atomic
def add_staff(organization: Organization, *, username: str, actor) -> Membership:
    """Add an existing provider-staff account to `organization`."""
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    # One message for "no such account" and "not provider staff": names reveal nothing.
    if user is None or not roles.has(user, roles.PROVIDER):
        raise DirectoryChangeRefused([_("No provider staff account has that user name.")])
    if organization.memberships.filter(user=user).exists():
        raise DirectoryChangeRefused([_("That person is already on your staff list.")])
    return Membership.objects.create(organization=organization, user=user)


@transaction.atomic
def remove_staff(membership: Membership, *, actor) -> None:
    if membership.user_id == actor.pk:
        raise DirectoryChangeRefused(
            [_("You cannot remove yourself: ask another admin of your organisation.")]
        )
    membership.delete()


@transaction.atomic
def set_capacity(service: Service, *, status: str, open_places: int | None, actor) -> Service:
    service = Service.objects.select_for_update().get(pk=service.pk)
    if status == Service.Capacity.CLOSED:
        open_places = 0
    service.capacity_status = status
    service.open_places = open_places
    service.save(update_fields=["capacity_status", "open_places"])
    return service


@transaction.atomic
def map_term(term: TaxonomyTerm, *, category: str, actor) -> TaxonomyTerm:
    """Map a source taxonomy term to one of our categories ("" unmaps it).

    The mapping is read by the next import: run the file again to apply it to its services.
    """
    term.category = category
    term.save(update_fields=["category"])
    return term


@transaction.atomic
def accept_suggestions(*, actor) -> int:
    """Map every unmapped term that has a suggested category to it; return how many."""
    mapped = 0
    for term in TaxonomyTerm.objects.filter(category="").order_by("pk"):
        suggestion = taxonomy.suggest(term.code, term.name)
        if suggestion:
            map_term(term, category=suggestion, actor=actor)
            mapped += 1
    return mapped


@transaction.atomic
def import_again(run: ImportRun, *, actor) -> ImportRun:
    """Run a finished import's file again as a new run (after mapping its terms)."""
    if not run.is_finished or not run.source:
        raise DirectoryChangeRefused([_("This import's file is not available to run again.")])
    again = ImportRun.objects.create(
        started_by=actor, file_name=run.file_name, source=run.source.name,
        all_or_nothing=run.all_or_nothing,
    )
    jobs.enqueue_import(again.pk)
    return again
