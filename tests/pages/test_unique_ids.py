"""Every page a demo role can reach has unique ids, and every label names an element.

Two fields with one id make a label (and a screen reader) describe the wrong field; a label
pointing at nothing leaves its field without a name.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from casework.management.commands.load_demo import USERS
from tests.pages.crawl import markup_problems, reachable_pages

PUBLIC_PAGES = ["/login/", "/referrals/public/", "/referrals/bias-report/", "/published/"]


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


@pytest.mark.parametrize("username", [name for name, _ in USERS])
def test_it_has_unique_ids_on_every_page_a_role_reaches(demo, client, username):
    client.force_login(get_user_model().objects.get(username=username))
    pages = reachable_pages(client)
    assert len(pages) > 1, "the crawl found nothing beyond the first page"
    problems = {path: found for path, html in pages.items() if (found := markup_problems(html))}
    assert problems == {}


def test_it_has_unique_ids_on_the_public_pages(db, client):
    for path in PUBLIC_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert markup_problems(response.content.decode()) == [], path
