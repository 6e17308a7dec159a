"""Episodes: a returning person's new case links the earlier one and outlines it (dates, stage,
closure reason) for whoever sees the new case; the earlier case's content stays behind its own
access (404 for those without a relationship to it)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import selectors, workflow
from casework.models import Case, CaseNote
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier(alice, north):
    """The person's first case: alice's, closed a year ago with its goals met."""
    opened = timezone.now() - datetime.timedelta(days=400)
    case = CaseFactory(person=PersonFactory(), team=north, caseworker=alice, stage=Case.Stage.CLOSED,
                       closure_reason="goals_met", opened_at=opened,
                       closed_at=opened + datetime.timedelta(days=200))
    note = CaseNote.objects.create(case=case, author=alice, text="Earlier episode note.")
    return case, note


def test_a_re_referred_persons_new_case_shows_the_earlier_episodes_outline(
    client, earlier, bob, sam, ivy, north
):
    old, note = earlier
    new = workflow.open_case(old.person, team=north, actor=sam, pathway="prevention",
                             caseworker=bob)
    assert new.previous_episode == old
    for viewer in (bob, ivy, sam):
        client.force_login(viewer)
        page = client.get(new.get_absolute_url()).content.decode()
        assert f'data-episode="{old.reference}"' in page
        assert timezone.localtime(old.opened_at).strftime("%-d %b %Y") in page
        assert "Plan goals met" in page  # the closure reason
        assert "Earlier episode note." not in page
    # The earlier episode's content: 404 for bob and intake, who had no part in it.
    for viewer in (bob, ivy):
        client.force_login(viewer)
        assert client.get(old.get_absolute_url()).status_code == 404
        assert client.get(reverse("case-note-detail", args=[old.reference, note.pk])
                          ).status_code == 404
        page = client.get(new.get_absolute_url()).content.decode()
        assert f'href="{old.get_absolute_url()}"' not in page
    # Its supervisor, who may see it, gets the link and the content.
    client.force_login(sam)
    page = client.get(new.get_absolute_url()).content.decode()
    assert f'href="{old.get_absolute_url()}"' in page
    assert client.get(old.get_absolute_url()).status_code == 200


def test_a_first_case_has_no_earlier_episode(client, alice, sam, north):
    case = workflow.open_case(PersonFactory(), team=north, actor=sam, caseworker=alice)
    assert case.previous_episode is None
    client.force_login(alice)
    assert 'id="episodes"' not in client.get(case.get_absolute_url()).content.decode()


def test_the_outline_costs_the_same_however_long_the_history(earlier, sam, north):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    old, _ = earlier
    new = workflow.open_case(old.person, team=north, actor=sam)
    selectors.episode_outline(new, sam)  # the user's roles and teams, read once a request
    with CaptureQueriesContext(connection) as few:
        outline, total = selectors.episode_outline(new, sam)
    assert total == 1 and outline[0].openable
    for _ in range(15):
        CaseFactory(person=old.person, team=north, stage=Case.Stage.CLOSED,
                    opened_at=old.opened_at)
    with CaptureQueriesContext(connection) as many:
        outline, total = selectors.episode_outline(new, sam)
    assert total == 16 and len(outline) == selectors.EPISODES_SHOWN
    assert len(many) <= len(few) + 1  # the count, once the list is full
