"""Every page that shows case content writes exactly one read entry, with the request's id.

The routes come from the URL configuration through the access matrix: a page someone may GET
must be classified here as showing case content or not, so a new view cannot forget to log.
"""

import pytest
from auditlog.models import LogEntry

from audit.access_log import record_read
from tests.factories import ReferralFactory
from tests.matrix_rows import EXTENSIONS
from tests.test_url_access_matrix import MATRIX, arrange, sign_in

# Pages that show a person's or a case's content: one read entry each.
CASE_CONTENT = {
    "case-detail", "case-person", "case-assessment-form", "case-assessment-detail",
    "case-assessment-compare",
    "case-plan-detail", "case-follow-up-detail", "case-note-detail", "referral-detail",
    "bias-detail",
}
# Pages that show no case content: forms, lists of references and stages, the audit log itself.
NO_CASE_CONTENT = {
    "login", "dashboard", "referral-new", "audit-log", "audit-export", "audit-reviews",
    "audit-record", "audit-user", "audit-retention", "emergency-list", "emergency-request",
    "team-overview",
    "notification-list", "referral-partner-new", "referral-mine", "referral-inbox",
    "referral-public", "bias-report", "bias-list", "bias-landscape",
}

for _extension in EXTENSIONS:
    CASE_CONTENT |= _extension.CASE_CONTENT
    NO_CASE_CONTENT |= _extension.NO_CASE_CONTENT

READABLE = sorted(
    (route, next(p for p, status in row["GET"].items() if status == 200))
    for route, row in MATRIX.items()
    if 200 in row["GET"].values()
)


def reads():
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__has_key="part")


def test_every_readable_page_is_classified():
    readable = {route for route, _ in READABLE}
    unclassified = readable - CASE_CONTENT - NO_CASE_CONTENT
    assert not unclassified, f"say whether these pages show case content: {sorted(unclassified)}"
    assert not (CASE_CONTENT & NO_CASE_CONTENT)


@pytest.mark.parametrize("route, persona", READABLE)
@pytest.mark.django_db
def test_a_page_logs_one_read_if_it_shows_case_content(route, persona, people, north, client):  # noqa: F811
    target = arrange(route, people, north)
    sign_in(client, people, persona)
    before = set(reads().values_list("pk", flat=True))
    response = client.get(target.url)
    assert response.status_code == 200
    written = reads().exclude(pk__in=before)
    if route in CASE_CONTENT:
        assert written.count() == 1, f"{route} wrote {written.count()} read entries"
        entry = written.get()
        assert entry.cid == response["X-Request-ID"]
        assert entry.actor == people[persona]
        assert entry.remote_addr == "127.0.0.1"
    else:
        assert written.count() == 0


@pytest.mark.django_db
def test_a_read_of_a_records_own_part_stays_on_that_record_not_its_case(alices_case):
    """The referral's possible matches are about the referral, even once it is on a case."""
    referral = ReferralFactory(case=alices_case)
    own = record_read(referral, part="possible matches", on_case=False, people=["P-1"])
    assert str(own.object_pk) == str(referral.pk) and own.additional_data == {
        "part": "possible matches", "people": ["P-1"]}
    on_case = record_read(referral, part="referral")
    assert str(on_case.object_pk) == str(alices_case.pk)
