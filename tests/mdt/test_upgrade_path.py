"""A database made before the MDT became its own app migrates to it with nothing lost.

The move (mdt/migrations/0001, casework/migrations/0020, mdt/migrations/0002) changes no table:
the rows stay where they are, and the content types are relabelled in place, so audit entries
written before the move (auditlog's, and the chain over them) still name the same records and
`verify_audit_log` still passes. The test takes a database with MDT records and their audit
entries back to the state before the move (content types labelled casework, as today's main has
them), adds a record and an audit entry there as the old code would have, then migrates forward.
Runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""

import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit import sequencer
from casework import roles
from casework.accounts.models import PowerRequest
from mdt import workflow
from mdt.models import (
    Action,
    AgendaItem,
    Annotation,
    Attendance,
    ConflictDeclaration,
    Decision,
    Meeting,
    Minutes,
    Panel,
    PanelMember,
)
from tests.factories import UserFactory
from tests.mdt.conftest import UNDER_WAY

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MDT_MODELS = (Panel, PanelMember, Meeting, AgendaItem, ConflictDeclaration, Attendance, Decision,
              Action, Minutes, Annotation)


def migrate(targets=None):
    """Migrate to `targets` (default: the latest of every app) as `manage.py migrate` would."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return executor


def table_counts() -> dict[str, int]:
    tables = [model._meta.db_table for model in MDT_MODELS] + ["casework_panel_teams"]
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def labels(type_ids) -> set[tuple[str, str]]:
    return set(ContentType.objects.filter(pk__in=type_ids).values_list("app_label", "model"))


def verify_audit_log() -> str:
    sequencer.seal()
    out = io.StringIO()
    call_command("verify_audit_log", "--workers", "1", stdout=out)  # raises on a broken link
    return out.getvalue()


@pytest.fixture
def mdt_record(published, mo, sam, mia, alice, panel):
    """A published, walked and finalised meeting: every MDT table has rows, each audited."""
    meeting = published.meeting
    workflow.declare_conflict(published, actor=mia)
    workflow.record_attendance(meeting, actor=sam, statuses={
        member.pk: "present" for member in panel.members.all()})
    workflow.record_decision(published, actor=sam, kind="continue", rationale="Going well.")
    workflow.add_action(published, actor=sam, description="Call the school", owner=alice,
                        due_on=timezone.localdate())
    workflow.save_minutes(meeting, actor=sam, text="Discussed one case.")
    workflow.finalise_minutes(meeting, actor=sam, now=UNDER_WAY)
    workflow.annotate(meeting, actor=mo, text="Corrected the date.")
    newcomer = UserFactory(username="nia", roles=[roles.MDT])
    PowerRequest.objects.create(user=newcomer, panel=panel, panel_role="education",
                                requested_by=sam)
    return meeting


def test_a_database_from_before_the_move_keeps_every_row_and_audit_entry(mdt_record, panel):
    verify_audit_log()
    before = table_counts()
    assert all(before.values()), before
    type_ids = {model: ContentType.objects.get_for_model(model).pk for model in MDT_MODELS}
    entries = {model: LogEntry.objects.filter(content_type_id=pk).count()
               for model, pk in type_ids.items()}
    assert all(entries.values()), entries

    # Back to the layout of today's main: the models are casework's, and so are their types.
    executor = migrate([("mdt", None)])
    assert labels(type_ids.values()) == {("casework", m._meta.model_name) for m in MDT_MODELS}
    # Models born in mdt (ItemMinutes) leave a stale type behind, as any removed model does.
    assert not ContentType.objects.filter(
        app_label="mdt", model__in=[m._meta.model_name for m in MDT_MODELS]).exists()
    assert "OK:" in verify_audit_log()

    # The old code writes a meeting and its audit entry under the casework label.
    old = executor.loader.project_state([("casework", "0019_more_edit_revisions")]).apps
    OldMeeting = old.get_model("casework", "Meeting")
    old_meeting = OldMeeting.objects.create(panel_id=panel.pk,
                                            scheduled_for=mdt_record.scheduled_for
                                            + datetime.timedelta(days=7))
    old_type = ContentType.objects.get(app_label="casework", model="meeting")
    assert old_type.pk == type_ids[Meeting]
    old_entry = LogEntry.objects.create(
        content_type=old_type, object_pk=str(old_meeting.pk), object_id=old_meeting.pk,
        object_repr=f"meeting {old_meeting.pk}", action=LogEntry.Action.CREATE, changes={},
    )
    verify_audit_log()

    migrate()

    after = table_counts()
    assert after == {**before, "casework_meeting": before["casework_meeting"] + 1}
    # Same content type rows, relabelled; no new ones, none left under casework.
    assert labels(type_ids.values()) == {("mdt", m._meta.model_name) for m in MDT_MODELS}
    assert {m: ContentType.objects.get_for_model(m).pk for m in MDT_MODELS} == type_ids
    assert not ContentType.objects.filter(
        app_label="casework", model__in=[m._meta.model_name for m in MDT_MODELS]).exists()
    assert {model: LogEntry.objects.filter(content_type_id=pk).exclude(pk=old_entry.pk).count()
            for model, pk in type_ids.items()} == entries
    # An entry written before the move leads to its record; a power request to its panel.
    old_entry = LogEntry.objects.get(pk=old_entry.pk)
    assert old_entry.content_type.get_object_for_this_type(pk=old_meeting.pk) == \
        Meeting.objects.get(pk=old_meeting.pk)
    assert PowerRequest.objects.get(panel_role="education").panel == panel
    # The admin group's permissions on panels (casework 0008) followed their content type.
    admin_may = Group.objects.get(name=roles.ADMIN).permissions
    assert admin_may.filter(content_type_id=type_ids[Panel], codename="add_panel").exists()
    assert "OK:" in verify_audit_log()
