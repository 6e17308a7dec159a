"""What a credential may be used for. A scope narrows a credential; it never widens a role:
every request still goes through casework.access as the credential's account."""

REFERRALS_WRITE = "referrals:write"
REFERRALS_READ = "referrals:read"
PROVIDER_REFERRALS_READ = "provider-referrals:read"
PROVIDER_REFERRALS_WRITE = "provider-referrals:write"
DIRECTORY_READ = "directory:read"
DIRECTORY_WRITE = "directory:write"
CASES_READ = "cases:read"
ME_READ = "me:read"
AUDIT_READ = "audit:read"

DESCRIPTIONS = {
    REFERRALS_WRITE: "Send referrals to intake",
    REFERRALS_READ: "Read back the status of the referrals this credential sent",
    PROVIDER_REFERRALS_READ: "Read referrals sent to the organisation (REST and FHIR)",
    PROVIDER_REFERRALS_WRITE: "Accept, decline and report progress on them (REST and FHIR)",
    DIRECTORY_READ: "Read the providers directory",
    DIRECTORY_WRITE: "Change service capacity (directory admin)",
    CASES_READ: "Read the caseload (caseworkers and supervisors)",
    ME_READ: "Read one's own tasks and notifications",
    AUDIT_READ: "Search the audit log (auditors)",
}
ALL = tuple(DESCRIPTIONS)
# An organisation's system acts for the organisation, never for a person's caseload.
# (The directory is not among them: casework.access.can_search_directory keeps it from provider
# staff, and a client's account is provider staff.)
CLIENT_SCOPES = (REFERRALS_WRITE, REFERRALS_READ, PROVIDER_REFERRALS_READ,
                 PROVIDER_REFERRALS_WRITE)
