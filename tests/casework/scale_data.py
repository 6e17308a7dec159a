"""A large case table built in a few INSERT ... SELECT statements (PostgreSQL only).

For plan-shape tests and plan checks: the rows have the columns the planner looks at (team,
caseworker, stage, grants, tasks, assessments), not realistic content. People get placeholder
ciphertext (one real token, so pages that decrypt them work).
"""

from django.db import connection

from casework import crypto

PERSON_SQL = """
INSERT INTO casework_person (reference, first_name, last_name, date_of_birth, phone, email,
    address, identifiers, name_dob_index, name_index, phone_index, created_at)
SELECT 'P-S' || lpad(to_hex(g), 7, '0'), %(token)s, %(token)s, NULL, %(token)s, %(token)s,
    %(token)s, %(token)s, '', md5(g::text), '', now()
FROM generate_series(1, %(cases)s) g
"""

# Every 20th case is at intake; a third of the rest closed. Cases 1..len(caseworkers)*per_worker
# are held by the caseworkers in turn; the rest have none (older, closed or unassigned work).
CASE_SQL = """
INSERT INTO casework_case (reference, pathway, stage, stage_entered_at, opened_at, closed_at,
    closure_reason, caseworker_id, person_id, team_id)
SELECT 'C-S' || lpad(to_hex(g), 7, '0'), 'prevention',
    CASE WHEN g %% 20 = 0 THEN 'intake' WHEN g %% 3 = 0 THEN 'closed' ELSE 'follow_up' END,
    now() - (g %% 400) * interval '1 day', now() - (g %% 400) * interval '1 day', NULL, '',
    CASE WHEN g <= %(held)s THEN (%(workers)s::int[])[1 + g %% %(n_workers)s] END,
    p.id, (%(teams)s::bigint[])[1 + g %% %(n_teams)s]
FROM generate_series(1, %(cases)s) g
JOIN casework_person p ON p.reference = 'P-S' || lpad(to_hex(g), 7, '0')
"""

GRANT_SQL = """
INSERT INTO casework_caseuserobjectpermission (content_object_id, permission_id, user_id)
SELECT c.id, perm.id, c.caseworker_id
FROM casework_case c, auth_permission perm JOIN django_content_type ct
    ON ct.id = perm.content_type_id AND ct.app_label = 'casework' AND ct.model = 'case'
WHERE perm.codename = 'view_case' AND c.caseworker_id IS NOT NULL
    AND c.reference LIKE 'C-S%%'
"""

# One open task and one completed assessment per held case: what the caseload's columns read.
TASK_SQL = """
INSERT INTO casework_task (kind, due_on, done_at, created_at, case_id, owner_id, cancelled,
    title)
SELECT 'other', current_date + (c.id %% 30)::int, NULL, now(), c.id, c.caseworker_id, false,
    %(token)s
FROM casework_case c WHERE c.caseworker_id IS NOT NULL AND c.reference LIKE 'C-S%%'
"""

ASSESSMENT_SQL = """
INSERT INTO casework_assessment (risk_level, needs_summary, completed_at, completed_by_id,
    case_id, change_summary, created_at, version, revision)
SELECT (ARRAY['low', 'moderate', 'high'])[1 + c.id %% 3], %(token)s, now(), c.caseworker_id,
    c.id, %(token)s, now(), 1, 0
FROM casework_case c WHERE c.caseworker_id IS NOT NULL AND c.reference LIKE 'C-S%%'
"""


def fill_cases(*, cases: int, caseworkers: list[int], teams: list[int], per_worker: int = 150):
    """Insert `cases` cases spread over `teams`, `per_worker` of them held by each caseworker."""
    params = {
        "cases": cases,
        "held": len(caseworkers) * per_worker,
        "workers": list(caseworkers),
        "n_workers": len(caseworkers),
        "teams": list(teams),
        "n_teams": len(teams),
        "token": crypto.encrypt("generated"),
    }
    with connection.cursor() as cursor:
        for sql in (PERSON_SQL, CASE_SQL, GRANT_SQL, TASK_SQL, ASSESSMENT_SQL):
            cursor.execute(sql, params)
        for table in ("casework_person", "casework_case", "casework_caseuserobjectpermission",
                      "casework_task", "casework_assessment", "casework_teammembership"):
            cursor.execute(f"ANALYZE {table}")


def explain(queryset) -> str:
    """The plan PostgreSQL chooses for `queryset`, as text."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
