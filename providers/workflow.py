"""Writes a provider admin makes: staff and capacity. Each is atomic and audited by its save."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from casework import roles
from providers.models import Membership, Organization, Service


class DirectoryChangeRefused(ValueError):
    """A change that cannot be made; the message says why, in words a person can act on."""


@transaction.atomic
def add_staff(organization: Organization, *, username: str, actor) -> Membership:
    """Add an existing provider-staff account to `organization`."""
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    # One message for "no such account" and "not provider staff": names reveal nothing.
    if user is None or not roles.has(user, roles.PROVIDER):
        raise DirectoryChangeRefused(_("No provider staff account has that user name."))
    if organization.memberships.filter(user=user).exists():
        raise DirectoryChangeRefused(_("That person is already on your staff list."))
    return Membership.objects.create(organization=organization, user=user)


@transaction.atomic
def remove_staff(membership: Membership, *, actor) -> None:
    if membership.user_id == actor.pk:
        raise DirectoryChangeRefused(
            _("You cannot remove yourself: ask another admin of your organisation.")
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
