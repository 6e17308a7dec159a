"""Settings for the casework system, driven by environment variables.

With nothing set you get the embedded default: SQLite in ./var, Celery tasks run in-process,
and a local key file generated on first run (./var is ignored by git). With
DJANGO_ENV=production the app refuses to start unless every secret comes from the environment.
Every variable is listed, with a comment, in .env.example.
"""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CASEWORK_VAR_DIR", BASE_DIR / "var"))

ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENV == "production"


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _new_anchor_signing_key() -> str:
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()


# Every key the local key file holds, and how to make a new one.
LOCAL_KEY_MAKERS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
    "BLIND_INDEX_KEY": lambda: secrets.token_urlsafe(32),
    "AUDIT_CHAIN_KEY": lambda: secrets.token_urlsafe(32),
    "AUDIT_ANCHOR_SIGNING_KEY": _new_anchor_signing_key,
}


def local_keys() -> dict[str, str]:
    """Read, or create on first run, the development key file. Never used in production.

    A key file from before a key was added gets the missing key generated and added; the keys
    already in it never change (data encrypted or chained under them must stay readable).
    """
    path = VAR_DIR / "local-keys.json"
    keys = json.loads(path.read_text()) if path.exists() else {}
    if all(name in keys for name in LOCAL_KEY_MAKERS):
        return keys
    import fcntl

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Under a lock, two processes starting at once cannot write different keys: the second
    # re-reads what the first wrote.
    with open(VAR_DIR / "local-keys.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        keys = json.loads(path.read_text()) if path.exists() else {}
        missing = [name for name in LOCAL_KEY_MAKERS if name not in keys]
        if missing:
            keys.update({name: LOCAL_KEY_MAKERS[name]() for name in missing})
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(keys, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)  # atomic: readers see the old file or the new one
    return keys


def secret(name: str) -> str:
    """Return a secret from the environment; outside production fall back to the local key file."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} is not set. In production every secret must come from the environment; "
            "see .env.example for how to generate one."
        )
    return local_keys()[name]


SECRET_KEY = secret("SECRET_KEY")
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
# Newest key first; keep older keys until `rotate_encryption_keys` has re-encrypted every row.
FIELD_ENCRYPTION_KEYS = [k for k in secret("FIELD_ENCRYPTION_KEYS").split(",") if k.strip()]
# Values written before ciphertext was bound to its row (Fernet tokens) still open while this is
# on; turn it off once `rotate_encryption_keys --report` shows no legacy rows (docs/privacy.md).
FIELD_ENCRYPTION_LEGACY_READS = env_bool("FIELD_ENCRYPTION_LEGACY_READS", default=True)
BLIND_INDEX_KEY = secret("BLIND_INDEX_KEY")
if PRODUCTION and (BLIND_INDEX_KEY == SECRET_KEY or SECRET_KEY in FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured("Encryption and blind-index keys must differ from SECRET_KEY.")

# Off by default everywhere: debug pages would show personal data in tracebacks.
DEBUG = env_bool("DJANGO_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_fsm",
    "guardian",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "csp",
    "django_htmx",
    "casework",
    "mdt",
    "referrals",
    "providers",
    "audit",
    "measures",
    "privacy",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "casework.accounts.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "casework.middleware.SessionLifetimeMiddleware",
    "casework.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "casework.middleware.ResponseHeadersMiddleware",
    "audit.middleware.RequestAuditMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casework.urls"
WSGI_APPLICATION = "casework.wsgi.application"

# Form widgets render through Django's Jinja2 widget templates (casework/rendering.py).
FORM_RENDERER = "casework.rendering.WidgetRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'casework.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# One transaction per request: a failed save leaves no orphan audit entry (auditlog writes first).
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Scale and concurrency (issue 11). SQLite, the embedded default: several people at once.
# WAL lets readers run beside the one writer; IMMEDIATE takes the write lock when a request's
# transaction begins, so two requests never both read and then fail to upgrade to writing
# ("database is locked", which no busy timeout cures); the timeout makes a writer wait for the
# lock instead of failing. PostgreSQL: no JIT. Interactive pages run short queries whose cost
# estimates (correlated subqueries per row) cross jit_above_cost, and compiling then costs more
# than running: 370 ms of a 415 ms caseload query at 250,000 cases. Reports may turn it back on
# per session (SET jit = on).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("SQLITE_TIMEOUT_SECONDS", "20")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
    # Parameters bound by the server, and a statement the connection has run twice prepared:
    # PostgreSQL then skips parsing and planning it, which halved its CPU per case page (12 ->
    # 6.5 ms, docs/performance.md). Behind a pooler in transaction mode (pgbouncer before
    # 1.21) prepared statements must be off: DATABASE_PREPARE_THRESHOLD=off.
    _options["server_side_binding"] = True
    _prepare = os.environ.get("DATABASE_PREPARE_THRESHOLD", "2")
    _options["prepare_threshold"] = None if _prepare == "off" else int(_prepare)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
    "casework.accounts.oidc.Backend",  # answers nothing unless OIDC_ENABLED
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions: 30 minutes idle, 12 hours at most (SessionLifetimeMiddleware). The idle limit is
# renewed by a request at most once a minute, not on every request: saving the session is a
# write transaction of its own, a third of the database work of a simple page.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
SESSION_RENEW_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Lockout (CJIS AC-7): five failures lock that user name from that address for 15 minutes, or
# until an admin releases it (/account/lockouts/). Keyed on both: a stranger typing someone's
# user name elsewhere cannot lock them out, and colleagues behind one office address are not
# locked together.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOCKOUT_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# The notice on the sign-in page (AC-8); set it to your organisation's approved wording.
SYSTEM_USE_NOTICE = os.environ.get("SYSTEM_USE_NOTICE", "") or _(
    "This system holds confidential information about people receiving support. Use is "
    "restricted to authorised staff for their assigned work. Every access is recorded and may "
    "be reviewed; misuse may lead to disciplinary or legal action. By signing in you "
    "acknowledge these conditions."
)

# --- Accounts: second factor, step-up, powers (casework/accounts/, docs/authentication.md) ---
# A session counts as signed in only after the second factor (TOTP or a recovery code).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Casework")
# No page shows a stored secret (the device admin pages are off too: accounts/admin.py).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# After this many wrong codes in a row no code is checked for MFA_HOLD_SECONDS (django-otp's
# own back-off of 1, 2, 4 ... seconds between tries applies before that).
MFA_MAX_FAILURES = 5
MFA_HOLD_SECONDS = 15 * 60
# Sensitive actions (break-glass, exports, retention, powers, your own factors and password)
# ask for the second factor again when it was last given longer ago than this.
MFA_STEP_UP_SECONDS = int(os.environ.get("MFA_STEP_UP_SECONDS", "300"))
# Security keys and passkeys (django-otp-webauthn): a second factor only, never instead of the
# password. The relying party is this site's host name; a credential works only there, so
# changing WEBAUTHN_RP_ID means everyone enrols their keys again.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# In production both default to the site's own names (ALLOWED_HOSTS, served over HTTPS).
_SITE_HOSTS = [host for host in ALLOWED_HOSTS if host and host != "*" and not host.startswith(".")]
OTP_WEBAUTHN_RP_ID = os.environ.get(
    "WEBAUTHN_RP_ID", _SITE_HOSTS[0] if PRODUCTION and _SITE_HOSTS else "localhost"
)
OTP_WEBAUTHN_RP_NAME = os.environ.get("WEBAUTHN_RP_NAME", "Casework")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    ",".join(f"https://{host}" for host in _SITE_HOSTS) if PRODUCTION else "http://localhost:8000",
)
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "casework.accounts.webauthn"
# Single sign-on with the city's OpenID Connect provider (casework/accounts/oidc.py): off unless
# OIDC_ENABLED. Endpoints come from the issuer's discovery document unless set one by one. It
# creates no account and maps no role; the second factor is still asked for.
OIDC_ENABLED = env_bool("OIDC_ENABLED", default=False)
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your organisation")
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email"
OIDC_CREATE_USER = False
OIDC_USE_PKCE = True
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=refused"
if OIDC_ENABLED and not (OIDC_ISSUER and OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "OIDC_ENABLED needs OIDC_ISSUER, OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET.")
# --- end of accounts ---------------------------------------------------------------------------

# --- Subject access (privacy/subject_access/, docs/privacy.md) ---------------------------------
# An approved export may be downloaded for this many days after its approval; after that a new
# request is needed. The export is generated at each download and never stored.
SUBJECT_ACCESS_DOWNLOAD_DAYS = int(os.environ.get("SUBJECT_ACCESS_DOWNLOAD_DAYS", "30"))
# The answer is due this many days after the request is received (Art. 12(3): one month).
SUBJECT_ACCESS_DUE_DAYS = int(os.environ.get("SUBJECT_ACCESS_DUE_DAYS", "30"))

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# One catalog for the whole project, made by `manage.py translations` (docs/i18n.md); the
# compiled .mo is committed, so nothing is compiled where the app runs.
LOCALE_PATHS = [BASE_DIR / "locale"]
# The account page's language choice is also kept in this cookie, so the sign-in page after
# signing out speaks it too; it holds a language code and nothing else.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# Dates and numbers in Spanish as read in the US, with ISO dates for date inputs (the module says).
FORMAT_MODULE_PATH = ["casework.formats"]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Production serves collected files; elsewhere WhiteNoise serves straight from the source folders.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Celery: no broker configured means the embedded default, tasks run in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE: dict = {}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", PRODUCTION)

# A shared cache (Redis in deployment) so rate limits hold across processes; never holds PII.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The partner API (docs/api.md). Authentication and scopes in api/auth.py and api/permissions.py;
# every view goes through casework.access like the pages.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiClientAuthentication",
        "api.auth.PersonalTokenAuthentication",
        "api.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.CredentialRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"credential": API_RATE_LIMIT},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casework partner API",
    "DESCRIPTION": "Referrals, provider referrals (REST and FHIR R4), the directory, "
                   "caseloads and the audit log, under the same access policy as the pages.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served by the app itself: no CDN (strict Content-Security-Policy).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProviderReferralStatus": "referrals.models.ProviderReferral.Status",
        "CapacityStatus": "providers.models.Service.Capacity",
    },
}

# Referrals (referrals/conf.py documents each).
REFERRAL_INTAKE_WORKING_DAYS = int(os.environ.get("REFERRAL_INTAKE_WORKING_DAYS", "2"))
# What an acknowledgement to the referrer may say: off, received, reviewed or outcome.
REFERRAL_ACKNOWLEDGEMENT = os.environ.get("REFERRAL_ACKNOWLEDGEMENT", "received")
# Submissions allowed from one address per public form, and the window in seconds.
PUBLIC_FORM_RATE_LIMIT = (
    int(os.environ.get("PUBLIC_FORM_RATE_LIMIT_COUNT", "10")),
    int(os.environ.get("PUBLIC_FORM_RATE_LIMIT_SECONDS", "3600")),
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casework@localhost")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Audit: the request id ties every entry a request writes together.
AUDITLOG_CID_GETTER = "audit.correlation.current_request_id"
AUDITLOG_MASK_CALLABLE = "audit.registry.mask_completely"
AUDITLOG_DISABLE_ON_RAW_SAVE = False
# Only trust X-Forwarded-For when a proxy we run sets it.
AUDIT_TRUST_X_FORWARDED_FOR = env_bool("AUDIT_TRUST_X_FORWARDED_FOR", False)
# Reads outside these local hours (or at the weekend) go to the auditors' review queue.
AUDIT_WORKING_HOURS = (7, 19)
# How long emergency ("break-glass") access to a case lasts.
BREAK_GLASS_MINUTES = int(os.environ.get("BREAK_GLASS_MINUTES", "60"))

# --- Audit integrity (audit/chain.py, audit/sequencer.py, audit/anchors.py) -----------------
# Each audit entry is chained with HMAC-SHA256 under AUDIT_CHAIN_KEY (outside the database) by
# the sequencer, after the entry's transaction commits: requests never queue on the chain.
# The chain head is signed with Ed25519 (AUDIT_ANCHOR_SIGNING_KEY: base64 of a raw 32-byte
# private key) every AUDIT_ANCHOR_INTERVAL_SECONDS and appended to AUDIT_ANCHOR_FILE, which
# belongs off the database host (ship it to append-only storage). Every day the chain is
# verified against the anchors; a failure logs an ERROR on the "audit.alerts" logger. Both keys
# are required in production.
AUDIT_CHAIN_KEY = secret("AUDIT_CHAIN_KEY")
AUDIT_ANCHOR_SIGNING_KEY = secret("AUDIT_ANCHOR_SIGNING_KEY")
AUDIT_ANCHOR_FILE = Path(os.environ.get("AUDIT_ANCHOR_FILE", VAR_DIR / "audit-anchors.jsonl"))
# Audit entries are kept this long (6 years by default); only an approved retention purge
# (audit.retention) removes older ones, and never anything younger than 365 days.
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", 6 * 365))
if AUDIT_RETENTION_DAYS < 365:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 365.")
_OTHER_KEYS = {SECRET_KEY, BLIND_INDEX_KEY, *FIELD_ENCRYPTION_KEYS}
if {AUDIT_CHAIN_KEY, AUDIT_ANCHOR_SIGNING_KEY} & _OTHER_KEYS:
    raise ImproperlyConfigured("The audit keys must differ from SECRET_KEY and the other keys.")
if AUDIT_CHAIN_KEY == AUDIT_ANCHOR_SIGNING_KEY:
    raise ImproperlyConfigured("AUDIT_CHAIN_KEY and AUDIT_ANCHOR_SIGNING_KEY must differ.")
# Seal right after each audited commit (without waiting if another seal runs); the sweep seals
# what that leaves every AUDIT_SEAL_INTERVAL_SECONDS and alerts on an entry that has waited
# AUDIT_SEAL_ALERT_SECONDS (the bound on the delay between commit and seal).
AUDIT_SEAL_ON_COMMIT = env_bool("AUDIT_SEAL_ON_COMMIT", True)
# A process seals after commit at most this often; what it skips waits for its next nudge or
# the sweep (so the bound above still holds). 0 seals after every audited commit.
AUDIT_SEAL_NUDGE_GAP_SECONDS = float(os.environ.get("AUDIT_SEAL_NUDGE_GAP_SECONDS", "1"))
AUDIT_SEAL_INTERVAL_SECONDS = float(os.environ.get("AUDIT_SEAL_INTERVAL_SECONDS", "5"))
AUDIT_SEAL_ALERT_SECONDS = float(os.environ.get("AUDIT_SEAL_ALERT_SECONDS", "60"))
# A seal signs a new anchor when the last is older than this; the beat job does too.
AUDIT_ANCHOR_INTERVAL_SECONDS = int(os.environ.get("AUDIT_ANCHOR_INTERVAL_SECONDS", "300"))
if AUDIT_SEAL_ALERT_SECONDS <= AUDIT_SEAL_INTERVAL_SECONDS:
    raise ImproperlyConfigured("AUDIT_SEAL_ALERT_SECONDS must exceed AUDIT_SEAL_INTERVAL_SECONDS.")
CELERY_BEAT_SCHEDULE["seal-audit-log"] = {
    "task": "audit.tasks.seal_audit_log",
    "schedule": AUDIT_SEAL_INTERVAL_SECONDS,
    "options": {"expires": AUDIT_SEAL_INTERVAL_SECONDS},  # a backlog of sweeps is pointless
}
CELERY_BEAT_SCHEDULE["record-audit-anchor"] = {
    "task": "audit.tasks.record_audit_anchor",
    "schedule": AUDIT_ANCHOR_INTERVAL_SECONDS,
}
CELERY_BEAT_SCHEDULE["verify-audit-log"] = {
    "task": "audit.tasks.verify_audit_log",
    "schedule": crontab(hour=3, minute=20),  # daily
}
# --- end of audit integrity ------------------------------------------------------------------

# Working days allowed in each stage before the case is overdue, by the stage a transition
# enters (each transition declares which: casework/transitions.py).
STAGE_TIME_LIMITS = {
    "intake": 2,
    "assessment": 10,
    "service_plan": 10,
    "escalated": 1,
}

# --- Casework follow-up, reminders and escalations (casework/workflow.py, casework/tasks.py) ---
# Who approves service plans: "supervisor", or "mdt" (the supervisor records the MDT's decision
# and the date of its meeting).
CASEWORK_PLAN_APPROVAL = "supervisor"
# A plan review is scheduled this many months after follow-up starts, and after each review.
CASEWORK_PLAN_REVIEW_MONTHS = 6
# Follow-up's time limit, in months from its start: no review is scheduled beyond it, and the
# last one falls on it (close the case, or replan), so the limit drives the review schedule.
# 0: no limit, reviews every CASEWORK_PLAN_REVIEW_MONTHS for as long as follow-up lasts.
CASEWORK_FOLLOW_UP_MONTHS = int(os.environ.get("CASEWORK_FOLLOW_UP_MONTHS", "12"))
# Approvals as gates (docs/oversight.md, "Approvals and deadlines"). On by default; a
# deployment may turn one off, and the workflow then treats the approval as advisory.
# The service plan starts only once the latest completed assessment is signed off.
CASEWORK_ASSESSMENT_SIGN_OFF_REQUIRED = env_bool("CASEWORK_ASSESSMENT_SIGN_OFF_REQUIRED", True)
# A case closes only when the supervisor (or the MDT) approves the caseworker's closure request;
# off, a supervisor may also close a case directly (still with a reason).
CASEWORK_CLOSURE_REQUEST_REQUIRED = env_bool("CASEWORK_CLOSURE_REQUEST_REQUIRED", True)
# The caseworker is told of their own overdue task or stage at once; the team's supervisors are
# told this many days later if it is still overdue (0: both on the same day).
CASEWORK_OWNER_NOTICE_LEAD_DAYS = int(os.environ.get("CASEWORK_OWNER_NOTICE_LEAD_DAYS", "1"))
# Post-exit reviews, scheduled when a case closes: months after closure.
CASEWORK_POST_EXIT_REVIEW_MONTHS = (6, 12)
# The daily job reminds owners of tasks due within this many days (today included).
CASEWORK_REMINDER_DAYS_AHEAD = 2
CELERY_BEAT_SCHEDULE["casework-send-due-reminders"] = {
    "task": "casework.tasks.send_due_reminders",
    "schedule": crontab(hour=6, minute=30),  # daily, before the working day
}

# --- HSDS directory import (providers/hsds/) ---------------------------------------------------
# Largest HSDS file the import accepts: 100 MB fits a city-wide 211 export (a 5,000-organisation
# JSON file is about 20 MB); the import streams it, so memory does not grow with it.
PROVIDERS_IMPORT_MAX_BYTES = int(os.environ.get("PROVIDERS_IMPORT_MAX_BYTES", 100 * 1024 * 1024))
# Where uploaded directory files wait for the import job (not served by the web server).
PROVIDERS_IMPORT_DIR = Path(os.environ.get("PROVIDERS_IMPORT_DIR", VAR_DIR / "imports"))
# Without a broker (the embedded default) an import runs on a thread of the web process, so the
# request returns and the progress page follows it; False runs it in the request (tests).
PROVIDERS_IMPORT_THREAD = os.environ.get("PROVIDERS_IMPORT_THREAD", "1") == "1"

# --- Closed-loop provider referrals (referrals/outgoing.py, referrals/tasks.py) ----------------
# Working days (Monday to Friday) from sending: the provider accepts or declines within the
# first, makes first contact within the second; a request still unanswered after the third
# expires and goes back to the caseworker to send elsewhere. Late ones escalate to the sender's
# team supervisors, once each.
PROVIDER_REFERRAL_RESPOND_DAYS = int(os.environ.get("PROVIDER_REFERRAL_RESPOND_DAYS", "3"))
PROVIDER_REFERRAL_FIRST_CONTACT_DAYS = int(
    os.environ.get("PROVIDER_REFERRAL_FIRST_CONTACT_DAYS", "10")
)
PROVIDER_REFERRAL_EXPIRE_DAYS = int(os.environ.get("PROVIDER_REFERRAL_EXPIRE_DAYS", "10"))
# Overdue screening escalates to the intake lead and the duty supervisor (referrals/conf.py):
# an immediate-risk referral once it has waited this many minutes, any other once it is past
# its decision deadline. The duty supervisors are the supervisors of REFERRAL_DUTY_TEAM (a
# team's name; empty: of every team).
REFERRAL_IMMEDIATE_RISK_MINUTES = int(os.environ.get("REFERRAL_IMMEDIATE_RISK_MINUTES", "30"))
REFERRAL_DUTY_TEAM = os.environ.get("REFERRAL_DUTY_TEAM", "")
CELERY_BEAT_SCHEDULE["referrals-screening-escalations"] = {
    "task": "referrals.tasks.escalate_overdue_screenings",
    "schedule": 300.0,  # every five minutes: "immediately" for an immediate risk
}
CELERY_BEAT_SCHEDULE["referrals-provider-deadlines"] = {
    "task": "referrals.tasks.sweep_provider_referral_deadlines",
    "schedule": crontab(minute=15),  # hourly: deadlines fall at the time of day it was sent
}

# --- MDT reviews (mdt/) -----------------------------------------------------------
# Panel members see agenda cases from publication until the minutes are finalised plus this
# many hours (time to check the minutes against the summaries), then 404 again.
MDT_GRACE_PERIOD_HOURS = float(os.environ.get("MDT_GRACE_PERIOD_HOURS", "24"))
# Put plans awaiting approval on the agenda: on by default when the MDT approves plans.
MDT_PLAN_APPROVAL_REQUIRED = env_bool(
    "MDT_PLAN_APPROVAL_REQUIRED", CASEWORK_PLAN_APPROVAL == "mdt"
)
# New panels meet weekly on this weekday (0 = Monday) at this local time.
MDT_MEETING_WEEKDAY = int(os.environ.get("MDT_MEETING_WEEKDAY", "2"))
MDT_MEETING_TIME = os.environ.get("MDT_MEETING_TIME", "10:00")
# The job drafts the agenda of each meeting due within this many days.
MDT_AGENDA_LEAD_DAYS = int(os.environ.get("MDT_AGENDA_LEAD_DAYS", "3"))
CELERY_BEAT_SCHEDULE["mdt-draft-agendas"] = {
    "task": "mdt.tasks.draft_agendas",
    "schedule": crontab(hour=6, minute=45),  # daily; drafting again only adds what is new
}

# --- Transactional outbox and background work (casework/outbox/, docs/outbox.md) -----------
# Side effects are OutboxMessage rows written with the change; the relay (a beat job every
# OUTBOX_RELAY_SECONDS, or `manage.py relay_outbox`) publishes them. A message that keeps
# failing is retried after OUTBOX_BACKOFF_SECONDS, doubling up to OUTBOX_BACKOFF_MAX_SECONDS,
# then parked as a dead letter (admin site, "casework.alerts" ERROR) after OUTBOX_MAX_ATTEMPTS.
# A message sent but not finished within OUTBOX_REDELIVER_SECONDS (its worker died) is sent
# again: keep it above the longest task.
OUTBOX_RELAY_SECONDS = float(os.environ.get("OUTBOX_RELAY_SECONDS", "2"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_SECONDS", "10"))
OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
OUTBOX_REDELIVER_SECONDS = float(os.environ.get("OUTBOX_REDELIVER_SECONDS", "600"))
CELERY_BEAT_SCHEDULE["outbox-relay"] = {
    "task": "casework.outbox.relay",
    "schedule": OUTBOX_RELAY_SECONDS,
    "options": {"expires": OUTBOX_RELAY_SECONDS * 5},  # a backlog of relay runs is pointless
}
# One queue name per deployment (or per test run sharing a Redis database).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the broker tests).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# Fail fast when the broker is down: the relay leaves messages waiting and tries again.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
# `make run` uses kombu's filesystem transport: a broker that needs no server, in VAR_DIR.
if CELERY_BROKER_URL.startswith("filesystem://"):
    _BROKER_DIR = VAR_DIR / "broker"
    _BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR),
        "data_folder_out": str(_BROKER_DIR),
        "store_processed": False,
        "control_folder": str(_BROKER_DIR / "control"),  # not ./control
    }
# CASEWORK_BEAT_EVERY="casework-send-due-reminders=20,record-audit-anchor=20" runs those beat
# entries every N seconds instead of on their schedule (the quick-start smoke test uses it).
for _entry in filter(None, os.environ.get("CASEWORK_BEAT_EVERY", "").split(",")):
    _name, _, _seconds = _entry.partition("=")
    if _name.strip() not in CELERY_BEAT_SCHEDULE:
        raise ImproperlyConfigured(f"CASEWORK_BEAT_EVERY names no beat entry {_name!r}.")
    CELERY_BEAT_SCHEDULE[_name.strip()]["schedule"] = float(_seconds)
# --- end of outbox and background work -------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Key measures and the landscape of hate (measures/) ----------------------------------------
# Counts below this are shown as "<5" on every measure, export and published snapshot, with
# complementary suppression; refused below 3 (measures/suppression.py).
MEASURES_SMALL_CELL_THRESHOLD = int(os.environ.get("MEASURES_SMALL_CELL_THRESHOLD", "5"))
# Areas of the landscape: {area: [neighbourhood, ...]}; empty means one area per neighbourhood.
MEASURES_AREAS: dict[str, list[str]] = {}
# The key measures are read from a rollup that beat rebuilds this often (measures/rollups.py).
MEASURES_ROLLUP_MINUTES = int(os.environ.get("MEASURES_ROLLUP_MINUTES", "30"))
CELERY_BEAT_SCHEDULE["measures-refresh-rollup"] = {
    "task": "measures.tasks.refresh_measures",
    "schedule": MEASURES_ROLLUP_MINUTES * 60,
}

# --- Retention of case data, legal holds, erasure (privacy/, docs/privacy.md) ----------------
# The schedule privacy/schedule.py applies every night (and `manage.py apply_retention`): what
# is due is anonymised (or, for working records, deleted) unless a legal hold is in force.
# Closed cases (and the person, once all their cases are anonymised), this many years after
# closure.
RETENTION_CLOSED_CASE_YEARS = int(os.environ.get("RETENTION_CLOSED_CASE_YEARS", "6"))
# Referrals screened out (declined, signposted, merged) without opening a case, in months.
RETENTION_SCREENED_OUT_MONTHS = int(os.environ.get("RETENTION_SCREENED_OUT_MONTHS", "12"))
# Bias-incident reports: anonymised this many years after they were received.
RETENTION_BIAS_REPORT_YEARS = int(os.environ.get("RETENTION_BIAS_REPORT_YEARS", "3"))
# Working records (form tokens, read notifications, delivered webhooks, roll-up runs): deleted.
RETENTION_WORKING_DAYS = int(os.environ.get("RETENTION_WORKING_DAYS", "90"))
# Each batch is its own transaction; the nightly job stops after this many batches per rule.
RETENTION_BATCH_SIZE = int(os.environ.get("RETENTION_BATCH_SIZE", "200"))
RETENTION_MAX_BATCHES = int(os.environ.get("RETENTION_MAX_BATCHES", "50"))
for _name in ("RETENTION_CLOSED_CASE_YEARS", "RETENTION_SCREENED_OUT_MONTHS",
              "RETENTION_BIAS_REPORT_YEARS", "RETENTION_WORKING_DAYS", "RETENTION_BATCH_SIZE",
              "RETENTION_MAX_BATCHES"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
CELERY_BEAT_SCHEDULE["privacy-apply-retention"] = {
    "task": "privacy.tasks.apply_retention",
    "schedule": crontab(hour=2, minute=40),  # nightly, before the audit verification at 03:20
}
