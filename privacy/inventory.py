"""The data inventory: every field of every model, classified (the Article 30 record of processing).

Each record type (a model, by its label) says why it is held (purpose), on what legal basis, and
for how long (retention); each of its fields is in exactly one category:

- personal: identifies or contacts a person (names, contact details, identifiers, and keyed
  encodings of them such as blind indexes);
- special: special-category or criminal-offence data (health, risk, concerns, supervision);
- narrative: free text written about a person or a case;
- operational: dates, states, counts and flags the service runs on;
- reference: ids and links to other records.

tests/privacy/test_inventory.py fails when a model gains a field this file does not classify;
`manage.py data_inventory` writes docs/data-inventory.md from it, and a test checks that the
document is current. MDT models are named "mdt.<Model>" wherever their app is.
"""

from django.utils.translation import gettext_lazy as _

from privacy.inventory_types import Basis as B
from privacy.inventory_types import Record
from privacy.inventory_types import Retention as R

INVENTORY: dict[str, Record] = {
    "admin.LogEntry": Record(
        purpose=_("Changes made in the admin site."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        operational=("action_time", "object_repr", "action_flag", "change_message"),
        reference=("id", "user", "content_type", "object_id"),
    ),
    "auth.Permission": Record(
        purpose=_("Permissions (reference data)."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=("name", "codename"),
        reference=("id", "content_type"),
    ),
    "auth.Group": Record(
        purpose=_("Roles."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=("name",),
        reference=("id",),
    ),
    "auth.User": Record(
        purpose=_("Staff and provider accounts."),
        basis=B.STAFF, retention=R.STAFF,
        personal=("password", "last_login", "username", "first_name", "last_name", "email"),
        operational=("is_superuser", "is_staff", "is_active", "date_joined"),
        reference=("id",),
    ),
    "contenttypes.ContentType": Record(
        purpose=_("Model names (reference data)."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=("app_label", "model"),
        reference=("id",),
    ),
    "sessions.Session": Record(
        purpose=_("Signed-in sessions."),
        basis=B.STAFF, retention=R.SESSION,
        personal=("session_data",),
        operational=("expire_date",),
        reference=("session_key",),
    ),
    "guardian.UserObjectPermission": Record(
        purpose=_("Object permissions granted to a user (generic table)."),
        basis=B.STAFF, retention=R.STAFF,
        reference=("id", "permission", "content_type", "object_pk", "user"),
    ),
    "guardian.GroupObjectPermission": Record(
        purpose=_("Object permissions granted to a group (generic table)."),
        basis=B.STAFF, retention=R.STAFF,
        reference=("id", "permission", "content_type", "object_pk", "group"),
    ),
    "auditlog.LogEntry": Record(
        purpose=_("The audit record: who did or read what, when (references, masked values)."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        personal=("remote_addr", "actor_email"),
        narrative=("object_repr", "serialized_data", "changes_text", "changes", "additional_data"),
        operational=("action", "remote_port", "timestamp"),
        reference=("id", "content_type", "object_pk", "object_id", "actor", "cid"),
    ),
    "axes.AccessFailureLog": Record(
        purpose=_("Failed sign-ins, to stop password guessing."),
        basis=B.AUDIT_BASIS, retention=R.SECURITY,
        personal=("user_agent", "ip_address", "username"),
        operational=("http_accept", "path_info", "attempt_time", "locked_out"),
        reference=("id",),
    ),
    "axes.AccessAttempt": Record(
        purpose=_("Sign-in attempts, to lock out password guessing."),
        basis=B.AUDIT_BASIS, retention=R.SECURITY,
        personal=("user_agent", "ip_address", "username", "get_data", "post_data"),
        operational=("http_accept", "path_info", "attempt_time", "failures_since_start"),
        reference=("id",),
    ),
    "axes.AccessAttemptExpiration": Record(
        purpose=_("When a lock-out ends."),
        basis=B.AUDIT_BASIS, retention=R.SECURITY,
        operational=("expires_at",),
        reference=("access_attempt",),
    ),
    "axes.AccessLog": Record(
        purpose=_("Sign-ins and sign-outs."),
        basis=B.AUDIT_BASIS, retention=R.SECURITY,
        personal=("user_agent", "ip_address", "username", "session_hash"),
        operational=("http_accept", "path_info", "attempt_time", "logout_time"),
        reference=("id",),
    ),
    "otp_totp.TOTPDevice": Record(
        purpose=_("Staff second-factor devices (secret moved to SealedTOTPKey)."),
        basis=B.STAFF, retention=R.STAFF,
        operational=(
            "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
            "created_at", "last_used_at", "key", "step", "t0", "digits", "tolerance", "drift",
            "last_t",
        ),
        reference=("id", "user"),
    ),
    "otp_static.StaticDevice": Record(
        purpose=_("Staff recovery-code devices."),
        basis=B.STAFF, retention=R.STAFF,
        operational=(
            "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
            "created_at", "last_used_at",
        ),
        reference=("id", "user"),
    ),
    "otp_static.StaticToken": Record(
        purpose=_("Staff recovery codes (hashed)."),
        basis=B.STAFF, retention=R.STAFF,
        personal=("token",),
        reference=("id", "device"),
    ),
    "django_otp_webauthn.WebAuthnCredential": Record(
        purpose=_("Staff security keys (public keys only)."),
        basis=B.STAFF, retention=R.STAFF,
        personal=("credential_id", "public_key", "credential_id_sha256"),
        operational=(
            "name", "confirmed", "created_at", "last_used_at", "credential_type", "transports",
            "sign_count", "backup_eligible", "backup_state", "aaguid", "discoverable",
        ),
        reference=("id", "user"),
    ),
    "django_otp_webauthn.WebAuthnAttestation": Record(
        purpose=_("Attestations of staff security keys."),
        basis=B.STAFF, retention=R.STAFF,
        operational=("fmt", "data", "client_data_json"),
        reference=("id", "credential"),
    ),
    "django_otp_webauthn.WebAuthnUserHandle": Record(
        purpose=_("Staff security-key user handles."),
        basis=B.STAFF, retention=R.STAFF,
        personal=("handle_hex",),
        reference=("user",),
    ),
    "casework.Team": Record(
        purpose=_("Organise staff into teams that own cases."),
        basis=B.STAFF, retention=R.STAFF,
        operational=("name", "agency"),
        reference=("id",),
    ),
    "casework.TeamMembership": Record(
        purpose=_("Who works in which team, and as what."),
        basis=B.STAFF, retention=R.STAFF,
        operational=("role",),
        reference=("id", "team", "user"),
    ),
    "casework.Person": Record(
        purpose=_("Identify the person supported, contact them, and avoid duplicate records."),
        basis=B.CASE_BASIS, retention=R.CASE,
        personal=(
            "first_name", "last_name", "date_of_birth", "phone", "email", "address", "identifiers",
            "name_dob_index", "name_index", "phone_index",
        ),
        operational=("revision", "created_at"),
        reference=("id", "reference"),
    ),
    "casework.PersonAlias": Record(
        purpose=_("Other names a person is known by, so they are found."),
        basis=B.CASE_BASIS, retention=R.CASE,
        personal=("name", "name_index"),
        reference=("id", "person"),
    ),
    "casework.PersonSearchToken": Record(
        purpose=_("Keyed search tokens: find a person without decrypting names."),
        basis=B.CASE_BASIS, retention=R.CASE,
        personal=("token",),
        reference=("id", "person"),
    ),
    "casework.PersonMatchKey": Record(
        purpose=_("Keyed matching keys: detect duplicate referrals."),
        basis=B.CASE_BASIS, retention=R.CASE,
        personal=("first_bloom", "last_bloom", "nickname", "dob"),
        operational=("is_alias",),
        reference=("id", "person"),
    ),
    "casework.Case": Record(
        purpose=_("One episode of support, from intake to closure."),
        basis=B.CASE_BASIS, retention=R.CASE,
        operational=(
            "pathway", "stage", "stage_entered_at", "opened_at", "closed_at", "closure_reason",
            "returned_at",
        ),
        reference=("id", "reference", "person", "team", "caseworker", "previous_episode"),
    ),
    "casework.CaseUserObjectPermission": Record(
        purpose=_("Exceptional access to one case granted to one user."),
        basis=B.STAFF, retention=R.CASE,
        reference=("id", "permission", "user", "content_object"),
    ),
    "casework.CaseGroupObjectPermission": Record(
        purpose=_("Exceptional access to one case granted to a group."),
        basis=B.STAFF, retention=R.CASE,
        reference=("id", "permission", "group", "content_object"),
    ),
    "casework.CaseTransition": Record(
        purpose=_("The history of a case's stages and who moved them."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("reason",),
        operational=("name", "source", "target", "at"),
        reference=("id", "case", "actor"),
    ),
    "casework.Consent": Record(
        purpose=_("What the person agreed may be shared, with whom, and until when."),
        basis=B.CONSENT, retention=R.CASE,
        operational=(
            "revision", "purpose", "service_category", "given_by", "method", "given_on",
            "expires_on", "recorded_at", "withdrawn_at", "data_categories",
        ),
        reference=("id", "case", "organization", "recorded_by", "wording"),
    ),
    "privacy.ConsentWording": Record(
        purpose=_("The versioned wording people agree to when they give consent."),
        basis=B.CONSENT, retention=R.REFERENCE,
        operational=("purpose", "version", "text", "published_at"),
        reference=("id", "published_by"),
    ),
    "privacy.SubjectAccessRequest": Record(
        purpose=_("A person's request for a copy of their data (Art. 15): the identity check, "
                  "the two privacy officers' decision, downloads counted (the export itself is "
                  "never stored)."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        narrative=("identity_note", "reason", "decision_note"),
        operational=("revision", "received_on", "identity_check", "status", "requested_at",
                     "decided_at", "downloads"),
        reference=("id", "reference", "person", "requested_by", "decided_by"),
    ),
    "privacy.LegalHold": Record(
        purpose=_("Legal holds on a person or a case, placed and lifted by two privacy officers."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        narrative=("reason", "lift_reason"),
        operational=("revision", "status", "placed_at", "confirmed_at", "lift_proposed_at",
                     "lifted_at"),
        reference=("id", "person", "case", "placed_by", "confirmed_by", "lift_proposed_by",
                   "lifted_by"),
    ),
    "privacy.ErasureRequest": Record(
        purpose=_("Requests to erase a person's data, and the second privacy officer's decision."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        narrative=("reason", "exception_reason"),
        operational=("revision", "status", "requested_at", "decided_at", "exception", "counts"),
        reference=("id", "person", "requested_by", "decided_by"),
    ),
    "privacy.Anonymisation": Record(
        purpose=_("What retention or erasure anonymised, when and why (references and counts)."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        operational=("record_type", "cause", "rule", "at", "counts"),
        reference=("id", "object_id", "reference", "erasure"),
    ),
    "casework.Instrument": Record(
        purpose=_("Assessment instruments (reference data)."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=(
            "key", "version", "name", "description", "published_at", "retired_at", "created_at",
        ),
        reference=("id",),
    ),
    "casework.Domain": Record(
        purpose=_("Assessment domains (reference data)."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=("code", "title", "kind", "pathway", "guidance", "order"),
        reference=("id", "instrument"),
    ),
    "casework.Factor": Record(
        purpose=_("Assessment factors (reference data)."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=("code", "title", "guidance", "order", "service_category"),
        reference=("id", "domain"),
    ),
    "casework.Assessment": Record(
        purpose=_("Assess needs and risk to plan support."),
        basis=B.CASE_BASIS, retention=R.CASE,
        special=("risk_level", "needs_summary", "change_summary"),
        health=("needs_summary", "change_summary"),
        operational=("revision", "version", "created_at", "completed_at", "signed_off_at"),
        reference=("id", "case", "instrument", "completed_by", "signed_off_by"),
    ),
    "casework.AssessmentRating": Record(
        purpose=_("Ratings and evidence per assessment factor."),
        basis=B.CASE_BASIS, retention=R.CASE,
        special=("rating", "evidence"),
        reference=("id", "assessment", "factor"),
    ),
    "casework.ServicePlan": Record(
        purpose=_("The agreed plan of support."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("goals",),
        operational=(
            "version", "created_at", "revision", "approved_at", "approved_via", "mdt_meeting_on",
            "superseded_at",
        ),
        reference=("id", "case", "created_by", "approved_by"),
    ),
    "casework.PlanGoal": Record(
        purpose=_("Goals of a plan."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("description",),
        operational=("target_on", "progress", "order"),
        reference=("id", "plan", "need"),
    ),
    "casework.Intervention": Record(
        purpose=_("Services arranged for a goal."),
        basis=B.CASE_BASIS, retention=R.CASE,
        operational=("frequency", "status"),
        reference=("id", "goal", "service", "owner"),
    ),
    "casework.FollowUp": Record(
        purpose=_("Reviews and post-exit follow-ups."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("summary",),
        operational=(
            "revision", "kind", "mode", "review_month", "due_on", "happened_on", "outcome",
            "created_at", "recorded_at",
        ),
        reference=("id", "case", "recorded_by"),
    ),
    "casework.GoalProgress": Record(
        purpose=_("Progress recorded against goals at a review."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("comment",),
        operational=("progress",),
        reference=("id", "review", "goal"),
    ),
    "casework.CaseNote": Record(
        purpose=_("Caseworkers' notes on the case."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("text",),
        operational=("sensitivity", "written_at"),
        reference=("id", "case", "author", "amends"),
    ),
    "casework.Task": Record(
        purpose=_("Work to do on a case, with its deadline."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("title",),
        operational=("revision", "kind", "due_on", "created_at", "done_at", "cancelled"),
        reference=("id", "case", "owner", "follow_up", "created_by", "done_by"),
    ),
    "casework.ClosureRequest": Record(
        purpose=_("A caseworker's request to close a case, and the supervisor's decision."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("reason", "decision_note"),
        operational=("closure_reason", "requested_at", "outcome", "decided_at"),
        reference=("id", "case", "requested_by", "decided_by"),
    ),
    "casework.Transfer": Record(
        purpose=_("A case offered to another team or agency, and the receiving side's answer."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("reason", "decision_note"),
        operational=("revision", "requested_at", "status", "decided_at"),
        reference=("id", "case", "from_team", "to_team", "requested_by", "decided_by",
                   "assigned_to"),
    ),
    "casework.Preference": Record(
        purpose=_("The language a member of staff chose for their pages and emails."),
        basis=B.STAFF, retention=R.STAFF,
        operational=("language",),
        reference=("user",),
    ),
    "casework.Notification": Record(
        purpose=_("In-app messages to staff (no personal data of the person in the text)."),
        basis=B.STAFF, retention=R.WORKING,
        operational=("message", "link", "created_at", "read_at"),
        reference=("id", "user"),
    ),
    "casework.Reminder": Record(
        purpose=_("Which reminders were sent, so none is sent twice."),
        basis=B.STAFF, retention=R.WORKING_KEPT,
        operational=("kind", "stage_entered_at", "created_at"),
        reference=("id", "recipient", "case", "task", "notification"),
    ),
    "casework.PowerRequest": Record(
        purpose=_("Requests for a change of powers, decided by a second person."),
        basis=B.STAFF, retention=R.AUDIT,
        operational=("panel_role", "requested_at", "status", "decided_at"),
        reference=("id", "user", "group", "team", "panel", "requested_by", "decided_by"),
    ),
    "casework.SealedTOTPKey": Record(
        purpose=_("Staff second-factor secrets, encrypted."),
        basis=B.STAFF, retention=R.STAFF,
        personal=("key",),
        reference=("device",),
    ),
    "casework.OutboxMessage": Record(
        purpose=_("Background work to deliver after a commit (ids only)."),
        basis=B.OPS, retention=R.WORKING_KEPT,
        operational=(
            "task", "kwargs", "key", "status", "attempts", "created_at", "next_attempt_at",
            "done_at", "last_error",
        ),
        reference=("id",),
    ),
    "mdt.Panel": Record(
        purpose=_("Multi-disciplinary panels."),
        basis=B.STAFF, retention=R.REFERENCE,
        operational=("name", "weekday", "time", "is_active", "created_at"),
        reference=("id",),
    ),
    "mdt.PanelMember": Record(
        purpose=_("Who sits on which panel."),
        basis=B.STAFF, retention=R.STAFF,
        operational=("role", "is_active"),
        reference=("id", "panel", "user"),
    ),
    "mdt.Meeting": Record(
        purpose=_("Panel meetings."),
        basis=B.CASE_BASIS, retention=R.CASE,
        operational=(
            "revision", "scheduled_for", "agenda_drafted_at", "published_at", "created_at",
        ),
        reference=("id", "panel", "published_by"),
    ),
    "mdt.AgendaItem": Record(
        purpose=_("Cases on a meeting's agenda, and why."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("detail",),
        operational=("reasons", "source", "order", "added_at", "removed", "removed_at",
                     "dropped_because"),
        reference=("id", "meeting", "case", "added_by", "removed_by"),
    ),
    "mdt.ConflictDeclaration": Record(
        purpose=_("Members who declared a conflict on an item."),
        basis=B.STAFF, retention=R.CASE,
        operational=("declared_at",),
        reference=("id", "item", "user"),
    ),
    "mdt.Attendance": Record(
        purpose=_("Who attended a meeting."),
        basis=B.STAFF, retention=R.CASE,
        operational=("status", "recorded_at"),
        reference=("id", "meeting", "member", "recorded_by"),
    ),
    "mdt.Decision": Record(
        purpose=_("Panel decisions on a case and their rationale."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("rationale",),
        operational=("kind", "effect", "recorded_at"),
        reference=("id", "item", "recorded_by"),
    ),
    "mdt.Action": Record(
        purpose=_("Actions agreed at a panel."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("description",),
        operational=("due_on", "created_at"),
        reference=("id", "item", "owner", "task", "created_by"),
    ),
    "mdt.ItemMinutes": Record(
        purpose=_("What was minuted on one agenda item; withheld from members conflicted on it."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("text",),
        operational=("revision", "updated_at"),
        reference=("id", "item", "updated_by"),
    ),
    "mdt.Minutes": Record(
        purpose=_("Meeting minutes: the general notes, and when they were finalised."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("text",),
        operational=("revision", "updated_at", "finalised_at"),
        reference=("id", "meeting", "updated_by", "finalised_by"),
    ),
    "mdt.Annotation": Record(
        purpose=_("Members' annotations on minutes."),
        basis=B.CASE_BASIS, retention=R.CASE,
        narrative=("text",),
        operational=("written_at",),
        reference=("id", "minutes", "author"),
    ),
    "casework.FormSubmission": Record(
        purpose=_("Idempotency tokens: a form sent twice acts once."),
        basis=B.OPS, retention=R.WORKING,
        personal=("token",),
        operational=("created_at", "result_url", "result_reference"),
        reference=("id", "user"),
    ),
    "referrals.Referral": Record(
        purpose=_("A concern about a person, screened within the deadline."),
        basis=B.CASE_BASIS, retention=R.REFERRAL,
        personal=(
            "referrer_name", "referrer_contact", "first_name", "last_name", "date_of_birth",
            "phone", "name_dob_index", "name_index", "phone_index",
        ),
        special=(
            "concerns", "concern", "release_date", "facility", "supervising_agency",
            "supervising_officer", "supervision_conditions",
        ),
        operational=(
            "channel", "source", "pathway", "urgency", "awareness", "received_at", "due_at",
            "decided_at", "acknowledged_at", "status", "screening_escalated_at", "language",
        ),
        reference=(
            "id", "reference", "referrer_organization", "entered_by", "person", "case",
            "previous_case", "duplicate_of",
        ),
    ),
    "referrals.ScreeningDecision": Record(
        purpose=_("How a referral was screened, by whom, and why."),
        basis=B.CASE_BASIS, retention=R.REFERRAL,
        personal=("contact_reference",),
        narrative=("reason",),
        operational=(
            "name", "source", "target", "at", "attached", "signposted_to", "contacted",
            "contacted_at", "within_deadline",
        ),
        reference=("id", "referral", "actor", "case", "signposted_service", "duplicate_of"),
    ),
    "referrals.ScreeningCheck": Record(
        purpose=_("Checks made while screening."),
        basis=B.CASE_BASIS, retention=R.REFERRAL,
        operational=("kind", "checked_on", "outcome", "recorded_at"),
        reference=("id", "referral", "recorded_by"),
    ),
    "referrals.MatchLink": Record(
        purpose=_("Why a referral was linked to a known person."),
        basis=B.CASE_BASIS, retention=R.REFERRAL,
        operational=("basis", "at"),
        reference=("id", "referral", "person", "actor"),
    ),
    "referrals.BiasIncident": Record(
        purpose=_("Reports of bias incidents from the public."),
        basis=B.CASE_BASIS, retention=R.BIAS,
        personal=("contact_name", "contact_details"),
        special=("motivation",),
        narrative=("description",),
        operational=(
            "kind", "occurred_on", "neighbourhood", "reported_to_police", "received_at", "status",
        ),
        reference=("id", "reference", "referral"),
    ),
    "referrals.BiasIncidentTriage": Record(
        purpose=_("How a bias report was triaged."),
        basis=B.CASE_BASIS, retention=R.BIAS,
        narrative=("note",),
        operational=("name", "source", "target", "at"),
        reference=("id", "incident", "actor"),
    ),
    "referrals.ProviderReferral": Record(
        purpose=_("A referral to a provider, with the summary shared under consent."),
        basis=B.CONSENT, retention=R.CASE,
        personal=("shared_first_name", "shared_contact"),
        special=("shared_need", "shared_assessment"),
        health=("shared_assessment",),
        narrative=("shared_goal", "shared_note"),
        operational=(
            "revision", "status", "status_reason", "status_changed_at", "outcome", "shared",
            "sent_at", "respond_by", "first_contact_by", "expires_at", "started_at",
            "response_escalated_at", "contact_escalated_at",
        ),
        reference=("id", "reference", "case", "service", "organization", "goal", "sent_by"),
    ),
    "referrals.ProviderReferralEvent": Record(
        purpose=_("The history of a provider referral."),
        basis=B.CONSENT, retention=R.CASE,
        narrative=("note",),
        operational=("name", "source", "target", "at", "reason", "outcome"),
        reference=("id", "referral", "actor", "case"),
    ),
    "referrals.ProviderReferralAttendance": Record(
        purpose=_("Attendance reported by the provider."),
        basis=B.CONSENT, retention=R.CASE,
        operational=("on", "attended", "recorded_at"),
        reference=("id", "referral", "recorded_by"),
    ),
    "providers.Organization": Record(
        purpose=_("The directory of provider organisations."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=(
            "name", "kind", "is_active", "description", "email", "phone", "website",
            "agreement_status", "agreement_expires_on",
        ),
        reference=("id", "hsds_id"),
    ),
    "providers.Service": Record(
        purpose=_("The directory of services."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=(
            "name", "category", "is_active", "description", "eligibility", "application_process",
            "fees", "schedule", "email", "url", "capacity_status", "open_places",
        ),
        reference=("id", "hsds_id", "organization"),
    ),
    "providers.ServiceLanguage": Record(
        purpose=_("Languages a service is offered in."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=("code", "name"),
        reference=("id", "service"),
    ),
    "providers.Location": Record(
        purpose=_("Where services are offered."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=(
            "name", "address_1", "address_2", "city", "region", "postal_code", "country",
            "latitude", "longitude",
        ),
        reference=("id", "hsds_id", "organization"),
    ),
    "providers.ServiceAtLocation": Record(
        purpose=_("Which service is offered where."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        reference=("id", "hsds_id", "service", "location"),
    ),
    "providers.Membership": Record(
        purpose=_("Provider staff accounts and their organisation."),
        basis=B.STAFF, retention=R.STAFF,
        operational=("is_admin",),
        reference=("id", "organization", "user"),
    ),
    "providers.TaxonomyTerm": Record(
        purpose=_("Service taxonomy (reference data)."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        operational=("key", "taxonomy", "code", "name", "description", "category"),
        reference=("id", "hsds_id"),
    ),
    "providers.ServiceTerm": Record(
        purpose=_("Taxonomy terms of a service."),
        basis=B.REFERENCE, retention=R.REFERENCE,
        reference=("id", "service", "term"),
    ),
    "providers.ImportRun": Record(
        purpose=_("Directory imports and their outcome."),
        basis=B.OPS, retention=R.WORKING,
        operational=(
            "created_at", "finished_at", "file_name", "source", "shape", "all_or_nothing",
            "status", "total", "processed", "created", "updated", "unchanged", "warned", "failed",
            "counts", "error",
        ),
        reference=("id", "started_by"),
    ),
    "providers.ImportIssue": Record(
        purpose=_("Problems found in a directory import."),
        basis=B.OPS, retention=R.WORKING,
        operational=("severity", "record_type", "record_id", "record_name", "field", "message"),
        reference=("id", "run"),
    ),
    "audit.EmergencyAccess": Record(
        purpose=_("Break-glass access to a case, with its reason and review."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        narrative=("reason", "review_note"),
        operational=("granted_at", "expires_at", "reviewed_at", "justified"),
        reference=("id", "case", "user", "reviewed_by"),
    ),
    "audit.ChainLink": Record(
        purpose=_("The tamper-evident chain over the audit log (hashes only)."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        operational=("prev_hash", "hash", "sealed_at"),
        reference=("id", "entry", "seq"),
    ),
    "audit.ChainHead": Record(
        purpose=_("Anchored heads of the audit chain."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        operational=("hash", "anchored_at"),
        reference=("id", "seq"),
    ),
    "audit.UnsealedEntry": Record(
        purpose=_("Audit entries waiting to be chained."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        operational=("mac", "written_at"),
        reference=("entry",),
    ),
    "audit.Verification": Record(
        purpose=_("Results of verifying the audit chain."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        operational=(
            "checked_at", "ok", "checked", "last_seq", "anchor_seq", "first_bad_seq", "problem",
            "unsealed",
        ),
        reference=("id",),
    ),
    "audit.RetentionPurge": Record(
        purpose=_("Purges of old audit entries, approved by two auditors."),
        basis=B.AUDIT_BASIS, retention=R.AUDIT,
        operational=(
            "before", "reason", "status", "requested_at", "approved_at", "up_to_seq",
            "boundary_hash", "removed",
        ),
        reference=("id", "requested_by", "approved_by"),
    ),
    "measures.PreventionActivity": Record(
        purpose=_("Prevention activities (counts, no person)."),
        basis=B.OPS, retention=R.REFERENCE,
        operational=("occurred_on", "kind", "area", "attendance", "recorded_at"),
        reference=("id", "recorded_by"),
    ),
    "measures.Snapshot": Record(
        purpose=_("Published aggregate measures (small numbers suppressed)."),
        basis=B.OPS, retention=R.REFERENCE,
        operational=(
            "title", "period_start", "period_end", "breakdowns", "threshold", "tables",
            "published_at",
        ),
        reference=("id", "published_by"),
    ),
    "measures.MeasureCount": Record(
        purpose=_("Aggregate counts behind the measures."),
        basis=B.OPS, retention=R.REFERENCE,
        operational=("measure", "month", "team_id", "pathway", "category", "row", "col", "n"),
        reference=("id",),
    ),
    "measures.RollupRun": Record(
        purpose=_("Runs of the measures roll-up."),
        basis=B.OPS, retention=R.WORKING,
        operational=("finished_at", "seconds", "counts"),
        reference=("id",),
    ),
    "rest_framework_api_key.APIKey": Record(
        purpose=_("API keys (hashed)."),
        basis=B.STAFF, retention=R.STAFF,
        operational=("hashed_key", "created", "name", "revoked", "expiry_date"),
        reference=("id", "prefix"),
    ),
    "api.ApiClientRequest": Record(
        purpose=_("Requests for an API client, decided by a second person."),
        basis=B.STAFF, retention=R.AUDIT,
        operational=("name", "scopes", "expires_on", "status", "requested_at", "decided_at"),
        reference=("id", "organization", "requested_by", "decided_by"),
    ),
    "api.ApiClient": Record(
        purpose=_("API clients of provider organisations (hashed keys)."),
        basis=B.STAFF, retention=R.STAFF,
        operational=(
            "hashed_key", "created", "name", "revoked", "expiry_date", "scopes", "revoked_at",
        ),
        reference=("id", "prefix", "revoked_by", "organization", "account", "request"),
    ),
    "api.PersonalToken": Record(
        purpose=_("Staff API tokens (hashed)."),
        basis=B.STAFF, retention=R.STAFF,
        operational=(
            "hashed_key", "created", "name", "revoked", "expiry_date", "scopes", "revoked_at",
        ),
        reference=("id", "prefix", "revoked_by", "user"),
    ),
    "api.WebhookSubscriber": Record(
        purpose=_("Where providers receive events (encrypted signing secret)."),
        basis=B.STAFF, retention=R.STAFF,
        personal=("secret",),
        operational=("url", "events", "is_active", "created_at"),
        reference=("id", "organization"),
    ),
    "api.WebhookDelivery": Record(
        purpose=_("Webhook deliveries (ids only in the payload)."),
        basis=B.OPS, retention=R.WORKING,
        operational=(
            "event", "payload", "status", "attempts", "last_status_code", "last_error",
            "created_at", "delivered_at",
        ),
        reference=("id", "subscriber"),
    ),
}


def health_fields(label: str) -> frozenset:
    """The fields of record type `label` the inventory flags as health data."""
    record = INVENTORY.get(label)
    return frozenset(record.health) if record else frozenset()
