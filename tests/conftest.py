"""Personas and shared fixtures.

North team: alice and bob are its caseworkers, sam supervises it. South team: carol is its
caseworker, sofia supervises it. ivy coordinates intake, mo sits on the MDT, pat works for a
provider, audrey audits and adam administers. Nobody but the people named on a case sees it.
"""

import os

import pytest
from django.db import connection

from casework import roles
from casework.models import TeamMembership
from tests.factories import CaseFactory, TeamFactory, UserFactory, join_team


def _require(flag: str, reason: str):
    """Skip, unless CI asked for this kind of test, where a skip would hide a failure."""
    if os.environ.get(flag):
        pytest.fail(f"{reason}, but {flag} is set: this run must execute it.")
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _require("REQUIRE_POSTGRES", "needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """PostgreSQL: the audit tables refuse TRUNCATE (audit/migrations/0002), but Django's flush
    after each transactional or live-server test TRUNCATEs every table. The trigger lets the
    table owner through when `audit.allow_truncate` is on, so turn it on for the test database
    only: every new connection to it, and the one already open."""
    from django.db import connections

    with django_db_blocker.unblock():
        for conn in connections.all():
            if conn.vendor == "postgresql":
                with conn.cursor() as cursor:
                    name = conn.ops.quote_name(conn.settings_dict["NAME"])
                    cursor.execute(f"ALTER DATABASE {name} SET audit.allow_truncate = 'on'")
                    cursor.execute("SET audit.allow_truncate = 'on'")
    yield


@pytest.fixture(autouse=True)
def anchor_path(tmp_path, settings):
    """Every test gets its own anchor file, never ./var's (a seal may sign an anchor)."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors" / "audit-anchors.jsonl"
    # Tests sign anchors when they mean to (tests/audit/test_sequencer.py covers anchor-on-seal).
    settings.AUDIT_ANCHOR_INTERVAL_SECONDS = 0
    # Every audited commit seals (as at low traffic), so tests see what a nudge does.
    settings.AUDIT_SEAL_NUDGE_GAP_SECONDS = 0
    return settings.AUDIT_ANCHOR_FILE


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """A transactional test's flush recreates content types under new ids on PostgreSQL; a
    cached old id would then break the audit log's foreign key in the next test."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` signs in fully: password and second factor.

    Tests of the second factor itself sign in through the login page (or use
    tests.accounts.password_only), which leaves the session half signed in.
    """
    from django.test import Client

    from casework.accounts import mfa

    force_login = Client.force_login

    def force_login_with_second_factor(self, user, backend=None):
        force_login(self, user, backend)
        session = self.session
        mfa.mark_verified(session)
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


NO_TOKEN = "no-token"  # a test that sends a form as a stripped page would: pytest.mark.no_token


@pytest.fixture(autouse=True)
def _posts_carry_a_submission_token(request, monkeypatch):
    """`client.post(url, data)` sends a fresh one-time token, as a browser sends the one on the
    page it loaded (casework.submissions refuses a create form without one).

    A test that sends its own token (to repeat it) is left alone; tests of the refusal itself
    are marked `no_token`.
    """
    if NO_TOKEN.replace("-", "_") in request.keywords:
        return
    from django.test import Client
    from django.test.client import MULTIPART_CONTENT

    from casework import submissions

    post = Client.post

    def post_with_token(self, path, data=None, content_type=MULTIPART_CONTENT, *args, **kwargs):
        if content_type == MULTIPART_CONTENT and (data is None or isinstance(data, dict)) and (
            submissions.FIELD not in (data or {})
        ):
            data = {**(data or {}), submissions.FIELD: submissions.new_token()}
        return post(self, path, data, content_type, *args, **kwargs)

    monkeypatch.setattr(Client, "post", post_with_token)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Run tasks in-process, except in tests that exercise the real broker and worker."""
    from casework.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = "broker" not in request.keywords
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def require_broker():
    if not os.environ.get("CELERY_BROKER_URL"):
        _require("REQUIRE_BROKER", "needs a real Celery broker (set CELERY_BROKER_URL)")
    return os.environ["CELERY_BROKER_URL"]


@pytest.fixture
def north(db):
    return TeamFactory(name="North")


@pytest.fixture
def south(db):
    return TeamFactory(name="South")


@pytest.fixture
def alice(north):
    user = UserFactory(username="alice", roles=[roles.CASEWORKER])
    join_team(user, north)
    return user


@pytest.fixture
def bob(north):
    user = UserFactory(username="bob", roles=[roles.CASEWORKER])
    join_team(user, north)
    return user


@pytest.fixture
def carol(south):
    user = UserFactory(username="carol", roles=[roles.CASEWORKER])
    join_team(user, south)
    return user


@pytest.fixture
def sam(north):
    user = UserFactory(username="sam", roles=[roles.SUPERVISOR])
    join_team(user, north, TeamMembership.Role.SUPERVISOR)
    return user


@pytest.fixture
def sofia(south):
    user = UserFactory(username="sofia", roles=[roles.SUPERVISOR])
    join_team(user, south, TeamMembership.Role.SUPERVISOR)
    return user


@pytest.fixture
def ivy(db):
    return UserFactory(username="ivy", roles=[roles.INTAKE])


@pytest.fixture
def mo(db):
    return UserFactory(username="mo", roles=[roles.MDT])


@pytest.fixture
def pat(db):
    return UserFactory(username="pat", roles=[roles.PROVIDER])


@pytest.fixture
def audrey(db):
    return UserFactory(username="audrey", roles=[roles.AUDITOR])


@pytest.fixture
def lee(db):
    """The programme lead: aggregate measures across every team, no case content."""
    return UserFactory(username="lee", roles=[roles.LEAD])


@pytest.fixture
def people(request):
    """Every persona of the access matrices (tests.matrix_kit.PERSONAS) by name; anonymous is
    None."""
    from tests.matrix_kit import PERSONAS

    return {name: None if name == "anonymous" else request.getfixturevalue(name)
            for name in PERSONAS}


@pytest.fixture
def priya(db):
    """The privacy officer: subject access, erasure and legal holds, each with a second person."""
    return UserFactory(username="priya", roles=[roles.PRIVACY_OFFICER])


@pytest.fixture
def adam(db):
    return UserFactory(username="adam", roles=[roles.ADMIN], is_staff=True)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def alices_case(alice, north):
    """An open case at intake, assigned to alice on the North team."""
    return CaseFactory(team=north, caseworker=alice)


@pytest.fixture
def carols_case(carol, south):
    return CaseFactory(team=south, caseworker=carol)


@pytest.fixture
def client_for(client):
    """Return a test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
