# ruff: noqa: E501  (the generator's SQL reads better unwrapped)
"""Timing the measure pages at scale, for manage.py benchmark_measures and the scale benchmark.

`time_measure_pages(user)` renders each measure page through the test client as `user` (a
programme lead) and returns the times; `benchmark_scale` can call it after generating its data.
`generate_scale_data` bulk-writes a synthetic data set with SQL on PostgreSQL, for a throwaway
benchmark database only: it bypasses the models and so the audit log, and refuses a database
that already holds cases.
"""

import statistics
import time

from django.db import connection
from django.test import Client
from django.urls import reverse

from measures.periods import Period

PAGES = [
    ("key measures, 12 months with comparison", "measures-overview", {}),
    ("key measures, 36 months, one team and pathway", "measures-overview",
     {"team": "{team}", "pathway": "prevention", "compare": "on"}),
    ("key measures CSV export", "measures-export", {}),
    ("landscape, 12 months", "measures-landscape", {"months": "12"}),
    ("landscape, 24 months", "measures-landscape", {"months": "24"}),
]


def time_measure_pages(user, *, repeats: int = 5, team_id: int | None = None) -> list[dict]:
    """Render every measure page `repeats` times as `user`; {page, median_ms, max_ms} each."""
    client = Client()
    client.force_login(user)
    longest = Period.last_months(36)
    results = []
    for label, route, params in PAGES:
        query = {k: v.format(team=team_id or "") for k, v in params.items()}
        if "36 months" in label:
            query |= {"first": f"{longest.first:%Y-%m}", "last": f"{longest.last:%Y-%m}"}
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.get(reverse(route), {k: v for k, v in query.items() if v})
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (route, response.status_code)
        results.append({"page": label, "median_ms": round(statistics.median(timings)),
                         "max_ms": round(max(timings))})
    return results


def generate_scale_data(cases: int, *, actor_id: int, team_ids: list[int],
                        service_ids: list[int]) -> None:
    """Bulk-write `cases` cases with their referrals, decisions, transitions, assessments,
    plans, provider referrals, post-exit reviews and bias reports, over three years."""
    if connection.vendor != "postgresql":
        raise RuntimeError("generate_scale_data writes PostgreSQL SQL; use a PostgreSQL database")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM casework_case")
        if cursor.fetchone()[0]:
            raise RuntimeError("This database already holds cases: use an empty benchmark one.")
        params = {"n": cases, "uid": actor_id, "teams": team_ids, "services": service_ids}
        for statement in _SQL:
            cursor.execute(statement, params)
        cursor.execute("ANALYZE")


_SQL = [
    """INSERT INTO casework_person (reference, first_name, last_name, date_of_birth, phone, email,
         address, identifiers, name_dob_index, name_index, phone_index, created_at, revision)
       SELECT 'PB' || i, '', '', NULL, '', '', '', '', '', '', '', now(), 0
       FROM generate_series(1, %(n)s) i""",
    # Stages by i %% 10: 0-1 intake, 2 assessment, 3 service plan, 4-5 follow-up, 6-8 closed,
    # 9 screened out; opened over the last three years.
    """INSERT INTO casework_case (reference, pathway, stage, stage_entered_at, opened_at,
         closed_at, closure_reason, caseworker_id, person_id, team_id)
       SELECT 'CB' || i, CASE WHEN i %% 3 = 2 THEN 'reentry' ELSE 'prevention' END,
         (ARRAY['intake','intake','assessment','service_plan','follow_up','follow_up','closed',
                'closed','closed','screened_out'])[i %% 10 + 1],
         now() - ((i %% 1095) || ' days')::interval + interval '3 days',
         now() - ((i %% 1095) || ' days')::interval,
         CASE WHEN i %% 10 BETWEEN 6 AND 8 THEN now() - ((i %% 1095) || ' days')::interval
              + ((20 + i %% 60) || ' days')::interval END,
         CASE WHEN i %% 10 BETWEEN 6 AND 8 THEN (ARRAY['goals_met','disengaged','moved',
              'transferred','escalated','risk_removed','other'])[i %% 7 + 1] ELSE '' END,
         %(uid)s, p.id, (%(teams)s::bigint[])[i %% array_length(%(teams)s::bigint[], 1) + 1]
       FROM generate_series(1, %(n)s) i JOIN casework_person p ON p.reference = 'PB' || i""",
    """UPDATE casework_case SET closed_at = LEAST(closed_at, now()) WHERE closed_at IS NOT NULL""",
    # One stage change per stage passed.
    """INSERT INTO casework_casetransition (name, source, target, reason, at, actor_id, case_id)
       SELECT 'step', s.source, s.target, '', c.opened_at + (s.k * (1 + c.id %% 12) || ' days')::interval,
         %(uid)s, c.id
       FROM casework_case c CROSS JOIN LATERAL (VALUES
         (1, 'intake', 'assessment'), (2, 'assessment', 'service_plan'),
         (3, 'service_plan', 'follow_up'), (4, 'follow_up', 'closed')) AS s(k, source, target)
       WHERE s.k <= CASE c.stage WHEN 'assessment' THEN 1 WHEN 'service_plan' THEN 2
                     WHEN 'follow_up' THEN 3 WHEN 'closed' THEN 4 ELSE 0 END""",
    """INSERT INTO referrals_referral (reference, channel, source, referrer_name,
         referrer_contact, first_name, last_name, phone, pathway, urgency, concern, received_at,
         status, case_id, awareness, concerns, facility, name_dob_index, name_index, phone_index,
         supervising_agency, supervising_officer, supervision_conditions, decided_at)
       SELECT 'RB' || c.id, 'staff', (ARRAY['family','friend','community','school','health',
           'social_services','faith','law_enforcement','probation','corrections','self',
           'other'])[c.id %% 12 + 1], '', '', '', '', '', c.pathway,
         (ARRAY['routine','routine','routine','priority','immediate'])[c.id %% 5 + 1], '',
         c.opened_at - interval '1 day',
         CASE WHEN c.stage = 'screened_out' THEN 'declined' ELSE 'case_opened' END, c.id,
         'unknown', '', '', '', '', '', '', '', '', c.opened_at
       FROM casework_case c""",
    # Referrals that never became cases: declined, signposted, merged, awaiting.
    """INSERT INTO referrals_referral (reference, channel, source, referrer_name,
         referrer_contact, first_name, last_name, phone, pathway, urgency, concern, received_at,
         status, awareness, concerns, facility, name_dob_index, name_index, phone_index,
         supervising_agency, supervising_officer, supervision_conditions)
       SELECT 'RX' || i, 'public', (ARRAY['family','friend','community','self','other'])[i %% 5 + 1],
         '', '', '', '', '', CASE WHEN i %% 4 = 0 THEN 'reentry' ELSE 'prevention' END,
         'routine', '', now() - ((i %% 1095) || ' days')::interval,
         (ARRAY['declined','signposted','merged','new'])[i %% 4 + 1], 'unknown', '', '', '', '',
         '', '', '', ''
       FROM generate_series(1, %(n)s / 5) i""",
    # Some closed cases come back: a new referral naming them as the earlier episode.
    """UPDATE referrals_referral r SET previous_case_id = c.id
       FROM casework_case c WHERE r.reference = 'RX' || (c.id %% (%(n)s / 5) + 1)
         AND c.stage = 'closed' AND c.id %% 9 = 0 AND r.received_at > c.closed_at""",
    """INSERT INTO referrals_screeningdecision (name, source, target, at, reason, attached,
         signposted_to, contacted, contact_reference, within_deadline, actor_id, case_id,
         referral_id)
       SELECT CASE r.status WHEN 'case_opened' THEN 'accept' WHEN 'declined' THEN 'decline'
                WHEN 'signposted' THEN 'signpost' ELSE 'merge' END,
         'new', r.status, r.received_at + ((r.id %% 4) || ' days')::interval, '', false, '', '',
         '', r.id %% 4 < 3, %(uid)s, r.case_id, r.id
       FROM referrals_referral r WHERE r.status <> 'new'""",
    """INSERT INTO casework_assessment (risk_level, needs_summary, completed_at, completed_by_id,
         case_id, change_summary, created_at, version, revision)
       SELECT (ARRAY['low','moderate','high'])[(c.id + v) %% 3 + 1], '',
         c.opened_at + ((5 + 80 * (v - 1)) || ' days')::interval, %(uid)s, c.id, '',
         c.opened_at, v, 0
       FROM casework_case c CROSS JOIN generate_series(1, 2) v
       WHERE c.stage IN ('service_plan', 'follow_up', 'closed') AND (v = 1 OR c.id %% 2 = 0)""",
    """INSERT INTO casework_serviceplan (goals, created_at, approved_at, approved_by_id, case_id,
         created_by_id, approved_via, revision, version)
       SELECT '', c.opened_at + interval '10 days',
         CASE WHEN c.stage <> 'service_plan' THEN c.opened_at + ((11 + c.id %% 20) || ' days')::interval END,
         CASE WHEN c.stage <> 'service_plan' THEN %(uid)s END, c.id, %(uid)s,
         CASE WHEN c.stage = 'service_plan' THEN '' WHEN c.id %% 5 = 0 THEN 'mdt' ELSE 'supervisor' END,
         0, 1
       FROM casework_case c WHERE c.stage IN ('service_plan', 'follow_up', 'closed')""",
    """INSERT INTO referrals_providerreferral (reference, status, status_reason,
         status_changed_at, outcome, shared, shared_first_name, shared_contact, shared_need,
         shared_goal, shared_assessment, shared_note, sent_at, started_at, case_id,
         organization_id, sent_by_id, service_id, revision)
       SELECT 'XB' || c.id, st.status, '', now(),
         CASE WHEN st.status = 'completed' THEN (ARRAY['goal_met','partly_met','delivered',
              'other'])[c.id %% 4 + 1] ELSE '' END, '', '', '', '', '', '', '',
         c.opened_at + interval '12 days',
         CASE WHEN st.status IN ('in-progress','completed','failed')
              THEN c.opened_at + ((14 + c.id %% 15) || ' days')::interval END,
         c.id, s.organization_id, %(uid)s, s.id, 0
       FROM casework_case c
       JOIN providers_service s
         ON s.id = (%(services)s::bigint[])[c.id %% array_length(%(services)s::bigint[], 1) + 1]
       CROSS JOIN LATERAL (SELECT (ARRAY['requested','accepted','rejected','in-progress',
           'on-hold','completed','completed','failed','cancelled'])[c.id %% 9 + 1] AS status) st
       WHERE c.stage IN ('follow_up', 'closed')""",
    """INSERT INTO referrals_providerreferralevent (name, source, target, at, reason, outcome,
         note, actor_id, case_id, referral_id)
       SELECT 'answer', 'requested', CASE WHEN p.status = 'rejected' THEN 'rejected'
           ELSE 'accepted' END, p.sent_at + ((p.id %% 9) || ' days')::interval, '', '', '',
         %(uid)s, p.case_id, p.id
       FROM referrals_providerreferral p WHERE p.status <> 'requested'""",
    """INSERT INTO casework_followup (kind, happened_on, summary, case_id, created_at, due_on,
         mode, outcome, review_month, revision)
       SELECT 'post_exit_review', NULL, '', c.id, c.closed_at,
         (c.closed_at + (m || ' months')::interval)::date, '',
         CASE WHEN c.closed_at + (m || ' months')::interval > now() THEN 'scheduled'
              ELSE (ARRAY['completed','completed','attempted','no_show','cancelled'])[c.id %% 5 + 1] END,
         m, 0
       FROM casework_case c CROSS JOIN (VALUES (6), (12)) AS months(m)
       WHERE c.stage = 'closed'""",
    """INSERT INTO referrals_biasincident (reference, kind, motivation, occurred_on,
         neighbourhood, reported_to_police, description, contact_name, contact_details,
         received_at, status)
       SELECT 'BB' || i, (ARRAY['vandalism','harassment','threat','assault','online',
           'other'])[i %% 6 + 1], (ARRAY['race','religion','sexual_orientation','disability',
           'gender','gender_identity','multiple','unsure'])[(i / 7) %% 8 + 1],
         (now() - ((i %% 1095) || ' days')::interval)::date,
         (ARRAY['Downtown','Eastside','Harbor','Northside','Old Town','Riverside','Southside',
           'University District','Westside','online','elsewhere'])[(i / 3) %% 11 + 1],
         (ARRAY['yes','no','unsure'])[i %% 3 + 1], '', '', '', now(), 'logged'
       FROM generate_series(1, %(n)s / 5) i""",
]
