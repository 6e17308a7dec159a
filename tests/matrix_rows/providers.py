"""Access-matrix rows for the providers directory (see tests/matrix_rows/__init__.py).

Policy (casework.access): case staff, the MDT and the system admin search and export the
directory; only the system admin imports; provider staff administer their own organisation (pat
is made an admin of one here) and everyone else is refused by role, with a 403. The provider-admin
routes are not OBJECT_ROUTES: they refuse other roles before any lookup (403 for a missing id
too); tests/providers/test_provider_admin.py checks that another organisation's id is a 404
exactly like a missing one.
"""

from django.urls import reverse

from casework import roles
from providers.models import (
    ImportRun,
    Location,
    Membership,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    TaxonomyTerm,
)
from tests.factories import MembershipFactory, OrganizationFactory, ServiceFactory, UserFactory
from tests.matrix_kit import Target, only, signed_in

DIRECTORY_READERS = ("alice", "bob", "carol", "sam", "sofia", "ivy", "mo", "adam")
MISSING_ID = 999999

MATRIX: dict = {
    "directory-search": {
        "GET": signed_in(403, **only(DIRECTORY_READERS, 200)), "POST": signed_in(405),
    },
    "directory-export": {
        "GET": signed_in(403, **only(DIRECTORY_READERS, 200)), "POST": signed_in(405),
    },
    "directory-export-csv": {
        "GET": signed_in(403, **only(DIRECTORY_READERS, 200)), "POST": signed_in(405),
    },
    "directory-import": {"GET": signed_in(403, adam=200), "POST": signed_in(403, adam=302)},
    "directory-import-run": {"GET": signed_in(403, adam=200), "POST": signed_in(405)},
    "directory-import-report": {"GET": signed_in(403, adam=200), "POST": signed_in(405)},
    "directory-import-again": {"GET": signed_in(405), "POST": signed_in(403, adam=302)},
    "directory-terms": {"GET": signed_in(403, adam=200), "POST": signed_in(405)},
    "directory-term-map": {"GET": signed_in(405), "POST": signed_in(403, adam=302)},
    "directory-terms-accept": {"GET": signed_in(405), "POST": signed_in(403, adam=302)},
    "directory-manage": {"GET": signed_in(403, pat=200), "POST": signed_in(405)},
    "directory-organization": {"GET": signed_in(403, pat=200), "POST": signed_in(405)},
    "directory-staff-add": {"GET": signed_in(405), "POST": signed_in(403, pat=302)},
    "directory-staff-remove": {"GET": signed_in(405), "POST": signed_in(403, pat=302)},
    "directory-capacity": {"GET": signed_in(405), "POST": signed_in(403, pat=302)},
}
MUTATING_ROUTES: tuple = ("directory-staff-add", "directory-staff-remove", "directory-capacity",
                          "directory-import-again", "directory-term-map",
                          "directory-terms-accept")
OBJECT_ROUTES: tuple = ()
MAIN_PAGES: tuple = (
    "directory-search", "directory-import", "directory-import-run", "directory-manage",
    "directory-organization", "directory-terms",
)
CASE_CONTENT: set = set()
# The directory holds organisations' public details, never a person.
NO_CASE_CONTENT: set = {
    "directory-search", "directory-export", "directory-export-csv", "directory-import",
    "directory-import-run", "directory-manage", "directory-organization",
    "directory-import-report", "directory-terms",
}

SAMPLE_HSDS = (
    b'{"organizations": [{"id": "6f0e9a52-1d1b-4d43-8d0c-9a4f3c1e2b01", "name": "Matrix Org",'
    b' "description": "", "services": [{"id": "6f0e9a52-1d1b-4d43-8d0c-9a4f3c1e2b02",'
    b' "name": "Matrix service", "status": "active", "attributes": [{"id":'
    b' "6f0e9a52-1d1b-4d43-8d0c-9a4f3c1e2b03", "taxonomy_term": {"code": "housing"}}]}]}]}'
)


def _pats_organization(people):
    organization = OrganizationFactory(name="Pat's Provider")
    MembershipFactory(organization=organization, user=people["pat"], is_admin=True)
    return organization


def arrange(route, people, north) -> Target:
    if route in {"directory-search", "directory-export", "directory-export-csv",
                 "directory-import", "directory-manage"}:
        data = {}
        if route == "directory-import":
            from django.core.files.uploadedfile import SimpleUploadedFile

            data = {"file": SimpleUploadedFile("d.json", SAMPLE_HSDS, "application/json")}
        return Target(reverse(route), reverse(route), data)
    if route in {"directory-import-run", "directory-import-report", "directory-import-again"}:
        from django.core.files.base import ContentFile

        run = ImportRun(file_name="d.json", started_by=people["adam"], status="done")
        run.source.save("d.json", ContentFile(SAMPLE_HSDS))
        return Target(reverse(route, args=[run.pk]), reverse(route, args=[MISSING_ID]), {})
    if route in {"directory-terms", "directory-terms-accept"}:
        TaxonomyTerm.objects.create(key="airs|bh-1800", taxonomy="AIRS", code="BH-1800",
                                    name="Emergency Shelter")
        return Target(reverse(route), reverse(route), {})
    if route == "directory-term-map":
        term = TaxonomyTerm.objects.create(key="airs|bh-1800", taxonomy="AIRS", code="BH-1800",
                                           name="Emergency Shelter")
        return Target(reverse(route, args=[term.pk]), reverse(route, args=[MISSING_ID]),
                      {f"t{term.pk}-category": "housing"})
    organization = _pats_organization(people)
    missing = [MISSING_ID]
    if route == "directory-organization":
        return Target(reverse(route, args=[organization.pk]), reverse(route, args=missing), {})
    if route == "directory-staff-add":
        UserFactory(username="quinn", roles=[roles.PROVIDER])
        return Target(reverse(route, args=[organization.pk]), reverse(route, args=missing),
                      {"username": "quinn"})
    if route == "directory-staff-remove":
        membership = MembershipFactory(organization=organization)
        return Target(reverse(route, args=[organization.pk, membership.pk]),
                      reverse(route, args=[MISSING_ID, membership.pk]), {})
    if route == "directory-capacity":
        service = ServiceFactory(organization=organization)
        prefix = f"s{service.pk}"
        return Target(reverse(route, args=[organization.pk, service.pk]),
                      reverse(route, args=[MISSING_ID, service.pk]),
                      {f"{prefix}-capacity_status": "waitlist", f"{prefix}-open_places": ""})
    raise AssertionError(f"no arrangement for {route}: add one")


def state() -> dict:
    return {
        "directory_organizations": list(
            Organization.objects.order_by("pk").values_list(
                "hsds_id", "name", "agreement_status", "agreement_expires_on"
            )
        ),
        "directory_services": list(
            Service.objects.order_by("pk").values_list(
                "hsds_id", "name", "capacity_status", "open_places", "is_active"
            )
        ),
        "directory_memberships": list(
            Membership.objects.order_by("pk").values_list("organization_id", "user_id",
                                                          "is_admin")
        ),
        "directory_locations": Location.objects.count(),
        "directory_languages": ServiceLanguage.objects.count(),
        "directory_places": ServiceAtLocation.objects.count(),
        "directory_imports": ImportRun.objects.count(),
        "directory_term_mapping": list(TaxonomyTerm.objects.order_by("pk").values_list(
            "key", "category")),
    }
