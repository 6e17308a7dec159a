"""Security events on the same record as changes and reads: sign-ins, refusals, exports.

Each is an auditlog ACCESS entry whose `additional_data["event"]` names what happened; actor,
address and request id come from the request context like every other entry.
"""

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from audit.correlation import current_request_id

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
REFUSED = "refused"
EXPORT = "export"
ADMIN_ACTION = "admin_action"
BREAK_GLASS = "break_glass"


def record(event: str, *, instance=None, model=None, reference: str = "", actor=None, **details):
    """Write one entry for `event` about `instance` (or a `model` and `reference` when there is
    no instance, as for a refused or unknown object). Details must carry no personal data."""
    data = {"event": event, **details}
    if instance is not None:
        return LogEntry.objects.log_create(
            instance, action=LogEntry.Action.ACCESS, changes=None, force_log=True,
            additional_data=data, **({"actor": actor} if actor is not None else {}),
        )
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model or get_user_model()),
        object_pk="",
        object_repr=reference[:200],
        action=LogEntry.Action.ACCESS,
        additional_data=data,
        actor=actor,
        cid=current_request_id(),
    )

# Accounts (casework/accounts): the second factor and changes of powers.
MFA_VERIFIED = "mfa_verified"
MFA_FAILED = "mfa_failed"
MFA_THROTTLED = "mfa_throttled"
MFA_ENROLLED = "mfa_enrolled"
MFA_RECOVERY_CODES = "mfa_recovery_codes"
MFA_REMOVED = "mfa_removed"  # a factor (a security key) taken off an account
POWER_CHANGED = "power_changed"
POWER_REQUESTED = "power_requested"
POWER_APPROVED = "power_approved"
POWER_REFUSED = "power_refused"
LOCKOUT_RELEASED = "lockout_released"
SESSIONS_ENDED = "sessions_ended"
PASSWORD_CHANGED = "password_changed"
STEP_UP_FAILED = "step_up_failed"
AUDIT_LOOKED = "audit_looked"  # an auditor's own search or page: what, and how many rows
KEY_ROTATION = "key_rotation"  # field-encryption re-encryption: started, finished or failed
AUDIT_VERIFY_FAILED = "audit_verify_failed"
AUDIT_ANCHOR_FAILED = "audit_anchor_failed"
OIDC_SIGN_IN_REFUSED = "oidc_sign_in_refused"  # the provider vouched, but no account matched

# The partner API (api/): credentials and their use.
API_CLIENT_REQUESTED = "api_client_requested"
API_CLIENT_APPROVED = "api_client_approved"
API_CLIENT_REFUSED = "api_client_refused"
API_CREDENTIAL_REVOKED = "api_credential_revoked"
API_TOKEN_CREATED = "api_token_created"
API_REQUEST = "api_request"  # one per authenticated API request: route, method, status

# Retention of case data, legal holds and erasure (privacy/): references and counts only.
RETENTION_ANONYMISED = "retention_anonymised"  # one per case, person, referral or bias report
RETENTION_DELETED = "retention_deleted"  # one per batch of working records deleted
RETENTION_HELD = "retention_held"  # due, but a legal hold is in force: skipped
LEGAL_HOLD_PROPOSED = "legal_hold_proposed"
LEGAL_HOLD_CONFIRMED = "legal_hold_confirmed"
LEGAL_HOLD_WITHDRAWN = "legal_hold_withdrawn"
LEGAL_HOLD_LIFT_PROPOSED = "legal_hold_lift_proposed"
LEGAL_HOLD_LIFTED = "legal_hold_lifted"
ERASURE_REQUESTED = "erasure_requested"
ERASURE_DONE = "erasure_done"
ERASURE_REFUSED = "erasure_refused"
