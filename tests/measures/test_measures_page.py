"""The programme lead's key measures: who sees them, what the record says, what bad input gets."""

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from measures import rollups
from measures.selectors import MEASURES
from tests.factories import CaseFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _referrals(count, **fields):
    return [ReferralFactory(**fields) for _ in range(count)]


def test_it_shows_every_measure_with_its_definition(client, lee):
    _referrals(7, source="school")
    rollups.refresh()
    client.force_login(lee)

    response = client.get(reverse("measures-overview"))

    assert response.status_code == 200
    page = response.content.decode()
    for measure in MEASURES:
        assert f'id="{measure.slug}"' in page
        assert str(measure.definition)[:40] in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert "Compared with the period before" in page


@pytest.mark.parametrize("persona", ["alice", "sam", "ivy", "mo", "pat", "audrey", "adam"])
def test_everyone_but_the_programme_lead_gets_404(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for route in ("measures-overview", "measures-export", "measures-landscape",
                  "measures-landscape-export", "measures-activities", "measures-publish"):
        assert client.get(reverse(route)).status_code == 404, route


def test_each_view_is_an_access_entry_naming_the_period_and_filters(client, lee, north):
    client.force_login(lee)

    client.get(reverse("measures-overview"),
               {"first": "2026-01", "last": "2026-06", "team": north.pk, "pathway": "reentry"})

    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk")
    assert entry.actor == lee
    assert entry.additional_data["part"] == "measures"
    assert entry.additional_data["first"] == "2026-01"
    assert entry.additional_data["team"] == str(north.pk)
    assert "referrals-by-source" in entry.additional_data["measures"]


def test_bad_input_gets_a_clear_message_and_logs_no_view(client, lee):
    client.force_login(lee)
    before = LogEntry.objects.count()

    response = client.get(reverse("measures-overview"), {"first": "2026-09", "last": "2026-02"})

    assert response.status_code == 400
    assert "The first month must come before the last." in response.content.decode()
    assert LogEntry.objects.count() == before
    assert client.get(reverse("measures-overview"), {"first": "soon"}).status_code == 400
    assert client.get(reverse("measures-overview"), {"first": "2020-01", "last": "2026-11"}
                      ).status_code == 400  # longer than three years


def test_the_number_of_queries_does_not_grow_with_the_data(client, lee, django_assert_max_num_queries):
    client.force_login(lee)
    client.get(reverse("measures-overview"))
    _referrals(30)
    [CaseFactory() for _ in range(10)]
    rollups.refresh()
    # The rollup, the organisation names, the session and the access entry: a handful, however
    # many cases there are.
    with django_assert_max_num_queries(20):
        assert client.get(reverse("measures-overview")).status_code == 200


def test_the_csv_export_is_suppressed_formula_safe_and_logged(client, lee):
    _referrals(12, source="school")
    _referrals(9, source="family", pathway="reentry", urgency="priority")
    _referrals(2, source="faith")
    rollups.refresh()
    client.force_login(lee)

    response = client.get(reverse("measures-export"))

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["measure", "period", "row", "column", "count"]
    this_period = rows[1][1]
    source = [r for r in rows
              if r[0].startswith("Referrals received, by source") and r[1] == this_period]
    by_row = {r[2]: r[4] for r in source if r[3] == "Total"}
    assert by_row["School"] == "12"
    assert by_row["Family member"] == "9"
    assert by_row["Faith organisation"] == "<5"
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert all(r[4] in {"<5", "\u2014"} or r[4].isdigit() for r in rows[1:])
    export = LogEntry.objects.filter(additional_data__event="export").latest("pk")
    assert export.additional_data["format"] == "measures-csv"
    assert export.actor == lee


def test_the_rollup_counts_what_a_live_count_counts(lee, north, south):
    """Read through the rollup, a filtered measure equals counting the records directly."""
    from measures.periods import Filters, Period
    from measures.scopes import LiveScope, StoredScope

    for team in (north, south, north):
        case = CaseFactory(team=team, pathway="reentry")
        ReferralFactory(case=case, pathway="reentry", source="probation")
    _referrals(3, source="school")
    rollups.refresh()
    period = Period.last_months(12)
    for filters in (Filters(), Filters(team=north.pk), Filters(pathway="reentry")):
        stored = StoredScope(period, filters, MEASURES)
        for measure in MEASURES:
            stored.measure = measure.slug
            live = measure.count(LiveScope(period, filters)).counts
            assert measure.count(stored).counts == live, (measure.slug, filters)


def test_the_page_says_how_fresh_its_counts_are(client, lee):
    run = rollups.refresh()
    client.force_login(lee)
    page = client.get(reverse("measures-overview")).content.decode()
    assert "Counted at" in page
    assert f"{timezone.localtime(run.finished_at):%H:%M}" in page
