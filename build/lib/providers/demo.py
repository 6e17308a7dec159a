"""A realistic demo directory: the sample HSDS file, with data-sharing agreements set."""

import datetime
from pathlib import Path

from django.core.files import File
from django.utils import timezone

from providers.hsds import write
from providers.models import ImportRun, Membership, Organization, Service

SAMPLE = Path(__file__).resolve().parent / "samples" / "riverside-directory.json"
# The organisation the demo `provider` account administers.
PROVIDER_ORGANIZATION = "Riverside Counselling Collective"
# Agreements that are not simply active for a year, to show every state in the directory.
AGREEMENTS = {
    "Riverside Police Department Neighbourhood Unit": (Organization.Agreement.NONE, None),
    "Lantern Youth Trust": (Organization.Agreement.SUSPENDED, None),
    "Riverside Interfaith Forum": (Organization.Agreement.ENDED, -30),
    "Eastside High School": (Organization.Agreement.ACTIVE, -1),  # expired yesterday
}


def load_directory(provider_user, *, actor=None) -> list[Service]:
    """Import the sample directory and set agreements; return active services, the provider's
    organisation's first. The provider user becomes an admin of that organisation."""
    run = ImportRun(started_by=actor, file_name=SAMPLE.name)
    with open(SAMPLE, "rb") as handle:
        run.source.save(SAMPLE.name, File(handle))
    run = write.run_import(run)
    if run.failed or run.error:
        raise RuntimeError(f"the sample directory did not import: {run.error or run.failed}")
    today = timezone.localdate()
    for organization in Organization.objects.all():
        status, days = AGREEMENTS.get(organization.name, (Organization.Agreement.ACTIVE, 365))
        organization.agreement_status = status
        organization.agreement_expires_on = (
            today + datetime.timedelta(days=days) if days is not None else None
        )
        organization.save()
    home = Organization.objects.get(name=PROVIDER_ORGANIZATION)
    Membership.objects.create(organization=home, user=provider_user, is_admin=True)
    receiving = Organization.objects.with_active_agreement(on=today)
    services = list(Service.objects.active().filter(organization__in=receiving))
    services.sort(key=lambda service: service.organization_id != home.pk)
    return services
