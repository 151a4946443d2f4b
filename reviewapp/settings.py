"""Settings for the UM review application, read from the environment.

Every variable is documented in README.md ("Configuration"). Typed parsing comes from
``environs``; nothing here reads ``os.environ`` directly, so a missing or malformed value
fails at start-up with the variable's name instead of deep inside a request.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from environs import Env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = Env()
env.read_env(BASE_DIR / ".env", recurse=False)

DEBUG: bool = env.bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; in DEBUG only, a key generated once into var/."""
    key = env.str("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: for development run bin/setup (it writes a "
            ".env with DEBUG on), in production set SECRET_KEY (README, Configuration)."
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "reviewapp.core.admin_apps.UMAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "reviewapp.accounts",
    "reviewapp.core",
    "reviewapp.audit",
    "criteria",
    "reviewapp.cases",
    "reviewapp.decisions",
    "reviewapp.letters",
    "reviewapp.operations",
    "reviewapp.appeals",
    "reviewapp.documents",
    "reviewapp.demo",
    "reviewapp.fhir",
]

MIDDLEWARE = [
    # First: security headers and no-store on every response, errors raised below included.
    "reviewapp.core.middleware.ResponseHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (CSRF reads POST): oversized requests are refused unread.
    "reviewapp.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every read of member data (registered by URL name) goes to the access log.
    "reviewapp.audit.middleware.AccessLogMiddleware",
    # Before the idle timeout, which tells the user why they were signed out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "reviewapp.accounts.middleware.SessionIdleTimeoutMiddleware",
    "reviewapp.accounts.middleware.HtmxAwareLoginRequiredMiddleware",
    "reviewapp.accounts.middleware.RoleRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "reviewapp.core.middleware.DatabaseBusyMiddleware",
    # Last, so a locked-out sign-in is answered before anything else runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reviewapp.urls"
WSGI_APPLICATION = "reviewapp.wsgi.application"

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
                "csp.context_processors.nonce",
                "reviewapp.core.context_processors.navigation",
            ],
        },
    },
    # The case page's repeated rows (reviewapp/cases/jinja.py): rendered by Jinja2 for speed.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "reviewapp.cases.jinja.environment"},
    },
]

# Databases: SQLite under var/ by default (the demo needs nothing installed);
# PostgreSQL in production via DATABASE_URL=postgres://...
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env.int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# SQLite (the demo): WAL and a busy timeout let the demo server and a management command share
# the file. IMMEDIATE: a transaction takes the write lock when it begins, so concurrent saves wait
# for each other (up to the timeout) instead of failing with "database is locked" when a read lock
# cannot be upgraded; one that still times out is answered 409 (core DatabaseBusyMiddleware).
SQLITE_OPTIONS = {
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL;",
    "transaction_mode": "IMMEDIATE",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "reviewapp.accounts.backends.StaffBackend",
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
    {"NAME": "reviewapp.accounts.validators.UsernameNotInPasswordValidator"},
]
# Invitation and reset links (sent by administrators; nobody sets another person's password).
PASSWORD_RESET_TIMEOUT: int = env.int("PASSWORD_LINK_DAYS", 3) * 24 * 60 * 60
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# The client's address: behind N trusted proxies (the load balancer: 1), the N-th entry from the
# right of X-Forwarded-For; 0 when the app is reached directly. See reviewapp/accounts/addresses.py.
TRUSTED_PROXY_COUNT: int = env.int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXY_HEADER: str = env.str("TRUSTED_PROXY_HEADER", "X-Forwarded-For")

# Sign-in throttling (django-axes), counted separately per account at one address and per
# address, so nobody can lock out a user they do not share an address with (see
# reviewapp/accounts/throttle.py). Wrong current passwords on the password page count too.
AXES_FAILURE_LIMIT: int = env.int("AXES_FAILURE_LIMIT", 5)
SIGN_IN_ADDRESS_FAILURE_LIMIT: int = env.int("SIGN_IN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "reviewapp.accounts.throttle.AccountAndAddressHandler"
AXES_CLIENT_IP_CALLABLE = "reviewapp.accounts.addresses.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Sessions: expire after inactivity and when the browser closes.
SESSION_IDLE_TIMEOUT_MINUTES: int = env.int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_IDLE_TIMEOUT_SECONDS: int = SESSION_IDLE_TIMEOUT_MINUTES * 60
# Pages warn this long before the idle timeout, offering "stay signed in".
SESSION_WARNING_SECONDS: int = env.int("SESSION_WARNING_SECONDS", 120)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS and security headers: on whenever DEBUG is off (the app is deployed behind TLS).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE: bool = env.bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE: bool = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: scripts only from our own origin, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Internationalisation
LANGUAGE_CODE = "en-us"
TIME_ZONE: str = env.str("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True
# The staff pages are in English; letters are also written in Spanish (locale/es), chosen per
# letter from the member's preferred language.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# Static files: vendored Bootstrap and htmx, served by WhiteNoise (no CDN anywhere).
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))

# Lines of business whose plans want a written notice to the member when a request is withdrawn
# (the withdrawal records how it is sent and its text). No federal rule names one (REGULATORY.md);
# state Medicaid contracts commonly do [U]: the compliance officer confirms the list.
WITHDRAWAL_NOTICE_LINES_OF_BUSINESS: list[str] = env.list(
    "WITHDRAWAL_NOTICE_LINES_OF_BUSINESS", ["medicaid"]
)
# Files under the private storage with no row (left by a killed worker): ``manage.py storage
# sweep`` removes them once older than this, so an upload still in progress is never touched.
STORAGE_ORPHAN_GRACE_MINUTES: int = env.int("STORAGE_ORPHAN_GRACE_MINUTES", 60)

# Evidence: private files, never under a public URL. Default: a directory on disk (mount a
# shared volume there when several app servers run); or an S3-compatible bucket.
EVIDENCE_DIR = Path(env.str("EVIDENCE_DIR", str(VAR_DIR / "evidence")))
EVIDENCE_MAX_UPLOAD_MB: int = env.int("EVIDENCE_MAX_UPLOAD_MB", 25)
EVIDENCE_MAX_FILES_PER_UPLOAD: int = env.int("EVIDENCE_MAX_FILES_PER_UPLOAD", 10)
EVIDENCE_MAX_REQUEST_MB: int = env.int("EVIDENCE_MAX_REQUEST_MB", 100)
EVIDENCE_MAX_PDF_PAGES: int = env.int("EVIDENCE_MAX_PDF_PAGES", 2000)
EVIDENCE_MAX_IMAGE_PIXELS: int = env.int("EVIDENCE_MAX_IMAGE_MEGAPIXELS", 60) * 1_000_000
# The document viewer shows pages as pictures rendered on the server at this resolution.
EVIDENCE_VIEWER_DPI: int = env.int("EVIDENCE_VIEWER_DPI", 110)
EVIDENCE_STORAGE: str = env.str("EVIDENCE_STORAGE", "filesystem")
_evidence_backend: dict
if EVIDENCE_STORAGE == "filesystem":
    _evidence_backend = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # base_url=None-like: no URL is ever built for these files; they go through a view.
        "OPTIONS": {"location": str(EVIDENCE_DIR), "base_url": "/nowhere/"},
    }
elif EVIDENCE_STORAGE == "s3":
    _evidence_backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("EVIDENCE_S3_BUCKET"),
            "endpoint_url": env.str("EVIDENCE_S3_ENDPOINT_URL", None),
            "region_name": env.str("EVIDENCE_S3_REGION", None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured("EVIDENCE_STORAGE must be 'filesystem' or 's3'.")

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "files"), "base_url": "/nowhere/"},
    },
    "evidence": _evidence_backend,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads larger than this are streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request body larger than this is refused before it is read (RequestSizeLimitMiddleware):
# the largest upload allowed plus room for the form's fields. The reverse proxy in front should
# refuse it first (nginx: client_max_body_size; README "Production and scaling out").
REQUEST_MAX_BYTES = (EVIDENCE_MAX_REQUEST_MB + 1) * 1024 * 1024
# The evidence form refuses more than EVIDENCE_MAX_FILES_PER_UPLOAD with a message; the parser
# stops far beyond that (a 400) so a request with thousands of parts is never parsed whole.
DATA_UPLOAD_MAX_NUMBER_FILES = EVIDENCE_MAX_FILES_PER_UPLOAD * 2

# The access log (every read of member data) and security events are kept this long, then
# removed by `manage.py audit purge`. Never less than six years (HIPAA documentation retention,
# 45 CFR 164.316(b)(2)(i)); the database refuses to delete younger rows on PostgreSQL.
ACCESS_LOG_RETENTION_DAYS: int = env.int("ACCESS_LOG_RETENTION_DAYS", 2190)
if ACCESS_LOG_RETENTION_DAYS < 2190:
    raise ImproperlyConfigured("ACCESS_LOG_RETENTION_DAYS must be at least 2190 (six years).")

# Background work (reading documents) through Django's tasks API (django-tasks). "database":
# a queue in the application's own database, run by `manage.py db_worker --queue-name
# documents,default` (bin/demo starts one); "rq": RQ on Redis for several machines, run by
# `manage.py rqworker --job-class django_tasks_rq.Job documents default`; "immediate": inline in
# the request (tests, one-off scripts).
TASKS_BACKEND: str = env.str("TASKS_BACKEND", "database")
TASKS_QUEUES = ["default", "documents"]
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASKS_QUEUES}}
elif TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    _redis_url = env.str("TASKS_REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUES = {name: {"URL": _redis_url, "DEFAULT_TIMEOUT": 3600} for name in TASKS_QUEUES}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASKS_QUEUES}}
elif TASKS_BACKEND == "immediate":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": TASKS_QUEUES,
        }
    }
else:
    raise ImproperlyConfigured("TASKS_BACKEND must be 'database', 'rq' or 'immediate'.")

# Reading documents (text per page, OCR): the reader's limits, which stop a hostile or oversized
# file. A stored document over them (the upload's EVIDENCE_MAX_* allow more) stays, unread.
DOCUMENTS_MAX_PAGES: int = env.int("DOCUMENTS_MAX_PAGES", 500)
DOCUMENTS_MAX_PIXELS: int = env.int("DOCUMENTS_MAX_PIXELS", 40_000_000)
DOCUMENTS_PAGE_SECONDS: float = env.float("DOCUMENTS_PAGE_SECONDS", 60.0)
DOCUMENTS_READER_MEMORY_MB: int = env.int("DOCUMENTS_READER_MEMORY_MB", 1536)
DOCUMENTS_OCR_DPI: int = env.int("DOCUMENTS_OCR_DPI", 300)

# How often (seconds) an app server checks whether the policy library was loaded anew elsewhere;
# its cached engine objects are rebuilt when the library revision has moved on.
LIBRARY_REVISION_CHECK_SECONDS: float = env.float("LIBRARY_REVISION_CHECK_SECONDS", 1.0)

# The organisation that sends determination letters.
ORGANISATION_NAME: str = env.str("ORGANISATION_NAME", "Bayou Valley Health Plan (demo)")
ORGANISATION_ADDRESS: str = env.str(
    "ORGANISATION_ADDRESS", "100 Example Street, Suite 200, Springfield, ST 00000"
)
ORGANISATION_PHONE: str = env.str("ORGANISATION_PHONE", "1-800-555-0100 (TTY: 711)")
ORGANISATION_FAX: str = env.str("ORGANISATION_FAX", "1-800-555-0101")
ORGANISATION_EMAIL: str = env.str("ORGANISATION_EMAIL", "civil.rights@example.org")
ORGANISATION_WEBSITE: str = env.str("ORGANISATION_WEBSITE", "www.example.org/nondiscrimination")
# The number printed in the taglines (free language help), with its text-telephone access.
ORGANISATION_LANGUAGE_LINE: str = env.str("ORGANISATION_LANGUAGE_LINE", "1-800-555-0100 (TTY: 711)")
# How long an approval's authorization is valid, from the decision date (days).
AUTHORIZATION_VALID_DAYS: int = env.int("AUTHORIZATION_VALID_DAYS", 180)
# The plan's own state: its letter settings (taglines, agencies) apply to members whose mailing
# address is in a state without settings of its own.
ORGANISATION_STATE: str = env.str("ORGANISATION_STATE", "LA")
# The organisation's signing key and certificate for determination letters (PKCS#12). The demo
# generates a self-signed one at the default path; production points this at the real one.
LETTER_SIGNING_PKCS12 = Path(env.str("LETTER_SIGNING_PKCS12", str(VAR_DIR / "letter-signing.p12")))
LETTER_SIGNING_PASSPHRASE: str = env.str("LETTER_SIGNING_PASSPHRASE", "")

# The FHIR prior-authorization API (reviewapp/fhir): OAuth 2.0 client credentials per client
# organisation (django-oauth-toolkit), scopes "submit" and "read" granted per client.
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "reviewapp.fhir.auth.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("FHIR_TOKEN_SECONDS", 3600),
    "PKCE_REQUIRED": True,
    # The OAuth 2.0 Security BCP (RFC 9700) throughout: no implicit or password grants, S256
    # PKCE only, tokens never in the query string, tokens stored hashed, https redirects only.
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# Named here (django-oauth-toolkit's default) so our models can point at the application model.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
FHIR_RATE_LIMIT_PER_MINUTE: int = env.int("FHIR_RATE_LIMIT_PER_MINUTE", 120)
FHIR_TOKEN_FAILURES_PER_MINUTE: int = env.int("FHIR_TOKEN_FAILURES_PER_MINUTE", 10)
# Requests larger than this are refused from their declared length, before they are read.
FHIR_MAX_REQUEST_MB: int = env.int("FHIR_MAX_REQUEST_MB", 40)
# A stable identifier namespace for our own code systems, naming systems and questionnaires.
FHIR_CANONICAL_BASE: str = env.str("FHIR_CANONICAL_BASE", "https://pumpreview.example.org/fhir")
# The API's public address, for links in notifications (sent outside any request).
FHIR_BASE_URL: str = env.str("FHIR_BASE_URL", "http://127.0.0.1:8000/fhir/r4").rstrip("/")
# Notification endpoints must be https on public addresses unless this is on (development).
FHIR_SUBSCRIPTION_ALLOW_PRIVATE: bool = env.bool("FHIR_SUBSCRIPTION_ALLOW_PRIVATE", DEBUG)

# Forms
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Messages map to Bootstrap alert classes.
MESSAGE_TAGS = {40: "danger"}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Where the staff site is reached, for links in e-mails sent without a request (the managers'
# daily turnaround digest).
SITE_URL: str = env.str("SITE_URL", "http://127.0.0.1:8000")
# The dashboard's and productivity's figures are reused for this many seconds (0: always fresh).
OPERATIONS_CACHE_SECONDS: int = env.int("OPERATIONS_CACHE_SECONDS", 60)
# The CMS-0057-F figures of a year are computed at most once per this many seconds (Django's
# cache: per process unless CACHES says otherwise); a manager can recompute them at any time.
METRICS_CACHE_SECONDS: int = env.int("METRICS_CACHE_SECONDS", 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
