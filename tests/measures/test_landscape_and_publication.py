"""The landscape of hate and its publication: no small count survives into any output, and
what is published stays as it was published."""

import csv
import io
import json
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from measures.models import Snapshot, SnapshotIsFrozen
from measures.periods import Period, add_months, month_start
from tests.measures.attack import possible_values

pytestmark = pytest.mark.django_db

MOTIVATIONS = {
    "Race, ethnicity or ancestry": 11, "Religion": 9, "Sexual orientation": 7,
    "Disability": 2,  # the small one: total minus the others would give it away
}


@pytest.fixture
def incidents(report_incidents):
    report_incidents(11, motivation="race", kind="vandalism", neighbourhood="Harbor")
    report_incidents(9, motivation="religion", kind="harassment", neighbourhood="Downtown",
                     reported_to_police="yes")
    report_incidents(7, motivation="sexual_orientation", kind="harassment",
                     neighbourhood="Harbor", reported_to_police="yes")
    report_incidents(2, motivation="disability", kind="vandalism", neighbourhood="Downtown")


def _content(response) -> str:
    """The page's own content (the script nonce differs on every response)."""
    page = response.content.decode()
    return page[page.index("<h1>"):page.index("</main>")]


def _last_finished_month():
    return add_months(month_start(timezone.localdate()), -1)


def _assert_disability_hidden(counts: dict, total: str):
    """A reader with these row totals and the grand total cannot tell the disability count."""
    assert counts["Disability"] == "<5", counts
    published = {**counts, "total": total}
    sums = [("total", tuple(counts))]
    cap = 40
    values = possible_values(published, sums, cap)["Disability"]
    assert len(values) > 1, f"disability recovered as {values} from {published}"


def _table_rows(html: str, table_id: str) -> dict:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    rows = {}
    for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.S):
        rows[label] = re.findall(r"<td data-count>(.*?)</td>", cells)
    return {label: [c.replace("&lt;", "<") for c in cells] for label, cells in rows.items()}


def test_the_lead_page_its_chart_and_its_export_hide_the_derivable_count(client, lee, incidents):
    client.force_login(lee)

    page = client.get(reverse("measures-landscape")).content.decode()

    rows = _table_rows(page, "by-motivation-table")
    totals = {label: cells[-1] for label, cells in rows.items()}
    _assert_disability_hidden({k: totals[k] for k in MOTIVATIONS} | {
        k: v for k, v in totals.items() if k not in MOTIVATIONS and k != "Total"
    }, totals["Total"])
    # The chart of areas draws shown counts only; the cell of 2 appears nowhere as a number.
    assert ">2</text>" not in page and "<td data-count>2</td>" not in page

    export = client.get(reverse("measures-landscape-export")).content.decode()
    lines = list(csv.reader(io.StringIO(export)))
    by_bias = {r[2]: r[4] for r in lines
               if r[0] == "By perceived bias and type" and r[3] == "Total"}
    _assert_disability_hidden({k: v for k, v in by_bias.items() if k != "Total"},
                              by_bias["Total"])


def test_a_published_snapshot_hides_it_in_the_page_the_csv_and_the_json(client, lee, incidents):
    client.force_login(lee)
    last = _last_finished_month()
    response = client.post(reverse("measures-publish"), {
        "title": "Bias incidents", "first": f"{add_months(last, -2):%Y-%m}",
        "last": f"{last:%Y-%m}", "breakdowns": ["motivation", "area", "police"],
    })
    snapshot = Snapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("measures-public-snapshot", args=[snapshot.pk])
    client.logout()

    document = json.loads(client.get(
        reverse("measures-public-snapshot-json", args=[snapshot.pk])).content)
    by_bias = document["tables"][0]
    _assert_disability_hidden(dict(by_bias["rows"]), by_bias["total"])

    rows = list(csv.reader(io.StringIO(client.get(
        reverse("measures-public-snapshot-csv", args=[snapshot.pk])).content.decode())))
    from_csv = {r[2]: r[3] for r in rows if r[0] == by_bias["title"]}
    total = from_csv.pop("Total")
    _assert_disability_hidden(from_csv, total)

    page = client.get(reverse("measures-public-snapshot", args=[snapshot.pk])).content.decode()
    shown = {label: cells[0] for label, cells in _table_rows(page, "snapshot-table-1").items()
             if label != "Total"}
    _assert_disability_hidden(shown, re.search(
        r'id="snapshot-table-1".*?<tfoot><tr><th scope="row">Total</th><td data-count>(.*?)<',
        page, re.S).group(1))


def test_a_published_snapshot_is_public_and_unchanged_by_later_reports(
    client, lee, incidents, report_incidents
):
    client.force_login(lee)
    last = _last_finished_month()
    client.post(reverse("measures-publish"), {
        "title": "Bias incidents this quarter", "first": f"{add_months(last, -2):%Y-%m}",
        "last": f"{last:%Y-%m}", "breakdowns": ["month", "motivation", "kind"],
    })
    snapshot = Snapshot.objects.get()
    client.logout()
    url = reverse("measures-public-snapshot", args=[snapshot.pk])
    before = client.get(url)
    data_before = client.get(reverse("measures-public-snapshot-json", args=[snapshot.pk]))

    report_incidents(25, motivation="disability", kind="threat")  # inside the same months

    after = client.get(url)
    assert before.status_code == after.status_code == 200  # anonymous: no sign-in needed
    assert _content(after) == _content(before)
    assert client.get(reverse("measures-public-snapshot-json", args=[snapshot.pk])
                      ).content == data_before.content
    assert "Bias incidents this quarter" in client.get(reverse("measures-public")).content.decode()
    # The landscape itself moves on; the published snapshot does not.
    client.force_login(lee)
    assert "<td data-count>27</td>" in client.get(reverse("measures-landscape")).content.decode()


def test_publishing_is_on_the_record_and_a_snapshot_cannot_be_changed(client, lee, incidents):
    client.force_login(lee)
    last = _last_finished_month()
    client.post(reverse("measures-publish"), {
        "title": "Bias incidents", "first": f"{last:%Y-%m}", "last": f"{last:%Y-%m}",
        "breakdowns": ["motivation"],
    })
    snapshot = Snapshot.objects.get()
    entry = LogEntry.objects.get_for_object(snapshot).get(action=LogEntry.Action.CREATE)
    assert entry.actor == lee
    snapshot.title = "Something else"
    with pytest.raises(SnapshotIsFrozen):
        snapshot.save()


def test_it_refuses_to_publish_a_month_still_under_way(client, lee):
    client.force_login(lee)
    this_month = f"{month_start(timezone.localdate()):%Y-%m}"

    response = client.post(reverse("measures-publish"), {
        "title": "Too soon", "first": this_month, "last": this_month, "breakdowns": ["month"],
    })

    assert response.status_code == 400
    assert "Publish finished months only" in response.content.decode()
    assert not Snapshot.objects.exists()


def test_the_public_bias_report_form_links_to_what_is_published(client):
    page = client.get(reverse("bias-report")).content.decode()
    assert reverse("measures-public") in page


def test_the_comparison_period_is_its_own_release(lee, report_incidents):
    from measures import landscape

    report_incidents(3, months_ago=13, motivation="gender")
    found = landscape.landscape(Period.last_months(12))
    previous_by_bias = found.previous[1]
    gender = next(r for r in previous_by_bias.rows if r.value == "gender")
    assert gender.total.text == "<5"
