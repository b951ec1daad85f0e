"""Settings, all from environment variables.

OUTLETCRM_ENV is one of `production` (default), `demo`, `test`. Production refuses to start
with DEBUG on, without a SECRET_KEY of its own, or with the demo accounts still active
(see outletcrm.core.checks).
"""

import datetime
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from outletcrm.configuration import (
    MSG_CACHE_URL,
    MSG_CHOICE,
    MSG_DATABASE_URL,
    MSG_DEBUG,
    MSG_ENV,
    MSG_FIELD_KEY,
    MSG_FIELD_KEY_BAD,
    MSG_FILE,
    MSG_NEEDS,
    MSG_NUMBER,
    MSG_SECRET,
    MSG_SECRET_WEAK,
    ConfigError,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("OUTLETCRM_DATA_DIR", Path.cwd() / "var"))

DEMO_SECRET_KEY = "outletcrm-demo-insecure-key-never-use-in-production"  # noqa: S105


def env(name: str, default: str | None = None) -> str | None:
    """Read a setting from NAME, or from the file named by NAME_FILE (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise ConfigError(MSG_FILE, name=name, path=file_path) from None
    return os.environ.get(name, default)


def env_number(name: str, default, kind=float):
    """A numeric setting; a value that is not a number is a configuration error."""
    value = env(name)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except ValueError:
        raise ConfigError(MSG_NUMBER, name=name, value=value[:40]) from None


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENT = (env("OUTLETCRM_ENV", "production") or "production").lower()
if ENVIRONMENT not in {"production", "demo", "test"}:
    raise ConfigError(MSG_ENV)
DEMO_MODE = ENVIRONMENT == "demo"

DEBUG = env_bool("DEBUG", default=DEMO_MODE)
# The one password the seeded demo accounts share; shown on the login page in demo mode only.
DEMO_PASSWORD = (env("DEMO_PASSWORD", "outletcrm-demo") or "") if ENVIRONMENT != "production" else ""
SECRET_KEY = env("SECRET_KEY") or (DEMO_SECRET_KEY if ENVIRONMENT != "production" else "")
if ENVIRONMENT == "production":
    if DEBUG:
        raise ConfigError(MSG_DEBUG)
    if not SECRET_KEY or SECRET_KEY == DEMO_SECRET_KEY:
        raise ConfigError(MSG_SECRET)
    # Django's own bar (check security.W009), refused rather than warned: a short or guessable
    # key lets anyone sign sessions, password-reset links and messages.
    if (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
            or SECRET_KEY.startswith("django-insecure-")):
        raise ConfigError(MSG_SECRET_WEAK)

# Encryption at rest of contacts' personal data (core/crypto.py, docs/privacy.md): one or more
# Fernet keys, newest first (rotation); required in production, derived from SECRET_KEY in
# demo and test.
FIELD_ENCRYPTION_KEYS = [
    k.strip() for k in (env("FIELD_ENCRYPTION_KEY", "") or "").split(",") if k.strip()]
FIELD_HASH_KEY = env("FIELD_HASH_KEY", "") or ""
if ENVIRONMENT == "production" and not FIELD_ENCRYPTION_KEYS:
    raise ConfigError(MSG_FIELD_KEY)
if any(len(k) != 44 or not re.fullmatch(r"[A-Za-z0-9_\-]{43}=", k)
       for k in FIELD_ENCRYPTION_KEYS):
    raise ConfigError(MSG_FIELD_KEY_BAD)

# Roles that see contacts' personal data in full besides the owner rep, his supervisor and the
# administrator (core/scoping.py personal_data_access), e.g. PRIVACY_FULL_ROLES=manager.
PRIVACY_FULL_ROLES = [
    r.strip() for r in (env("PRIVACY_FULL_ROLES", "") or "").split(",") if r.strip()]

ALLOWED_HOSTS = [
    h.strip() for h in (env("ALLOWED_HOSTS", "127.0.0.1,localhost") or "").split(",") if h.strip()
]
if ENVIRONMENT == "test":
    ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "outletcrm.core",
    "outletcrm.org",
    "outletcrm.accounts",
    "outletcrm.notifications",
    "outletcrm.customers",
    "outletcrm.orders",
    "outletcrm.visits",
    "outletcrm.complaints",
    "outletcrm.churn",
    "outletcrm.care",
    "outletcrm.development",
    "outletcrm.pipeline",
    "outletcrm.routing",
    "outletcrm.optimise",
    "outletcrm.governance",
    "outletcrm.access",
    "outletcrm.handover",
    "outletcrm.evaluation",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id (core/requestid.py), and /healthz
    # answers a load balancer before host checks, HTTPS redirects and sessions (core/health.py).
    "outletcrm.core.requestid.RequestIdMiddleware",
    "outletcrm.core.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed its second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Idle and absolute session expiry, the list of signed-in sessions (accounts.middleware).
    "outletcrm.accounts.middleware.SessionSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL in a query string is a 400, not a PostgreSQL error (core/errors.py).
    "outletcrm.core.errors.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "outletcrm.urls"
WSGI_APPLICATION = "outletcrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "outletcrm.core.context_processors.site",
            ],
        },
    },
]

if not env("DATABASE_URL"):
    # The embedded default lives in ./var (or OUTLETCRM_DATA_DIR); a fresh checkout has none.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'outletcrm.sqlite3'}",
            conn_max_age=env_number("DB_CONN_MAX_AGE", 60, int),
            # A kept connection is checked before a request reuses it: after a database
            # restart the first request gets a new connection instead of an error (issue 11).
            conn_health_checks=True,
        )
    }
except ValueError:  # dj_database_url: unknown scheme or a malformed URL
    raise ConfigError(MSG_DATABASE_URL) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page server read while an import or a background task writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "customers:list"
LOGOUT_REDIRECT_URL = "login"
# Password rules (docs/security.md), on the password change page, the admin's user forms and
# `changepassword`; the demo accounts' shared password (14 characters) passes them.
PASSWORD_MIN_LENGTH = env_number("PASSWORD_MIN_LENGTH", 10, int)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email",
                                     "display_name")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "outletcrm.accounts.validators.NotIdentityValidator"},
]
# Sessions (accounts.middleware): signed out after SESSION_IDLE_MINUTES without a request
# (SESSION_IDLE_MINUTES_MOBILE once the session has used the field app, which may stay offline
# for hours and keeps its queue until the rep logs in again), and SESSION_ABSOLUTE_HOURS after
# the login whatever the activity. API tokens expire TOKEN_LIFETIME_DAYS after they were issued.
SESSION_IDLE_MINUTES = env_number("SESSION_IDLE_MINUTES", 120, int)
SESSION_IDLE_MINUTES_MOBILE = env_number("SESSION_IDLE_MINUTES_MOBILE", 720, int)
SESSION_ABSOLUTE_HOURS = env_number("SESSION_ABSOLUTE_HOURS", 24, int)
# The cookie lives as long as the session may (Django's two weeks when there is no limit).
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600 if SESSION_ABSOLUTE_HOURS > 0 else 1_209_600
TOKEN_LIFETIME_DAYS = env_number("TOKEN_LIFETIME_DAYS", 30, int)
# Two-factor authentication (TOTP, accounts.twofactor): managers, custodians and administrators
# may enrol; TWO_FACTOR_REQUIRED=on makes it compulsory for them (enrolment at the next login).
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", False)
OTP_TOTP_ISSUER = "OutletCRM"
# Argon2 (argon2-cffi) for every new or changed password; PBKDF2 stays so that passwords
# stored before verify, and Django rehashes them with Argon2 at their next login.
STRONG_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
PASSWORD_HASHERS = STRONG_PASSWORD_HASHERS
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed logins (django-axes, docs/security.md), on the login page, the API token endpoint and
# the admin alike: an account is locked after LOGIN_FAILURE_LIMIT failures, a client address
# after LOGIN_FAILURE_LIMIT_PER_ADDRESS (higher: many phones share one carrier or office
# address), for LOGIN_LOCKOUT_MINUTES after the last failure (0: until an administrator
# unlocks it, `outletcrm unlock-login` or the admin's "Access attempts").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "10") or 10)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(env("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "50") or 50)
LOGIN_LOCKOUT_MINUTES = int(env("LOGIN_LOCKOUT_MINUTES", "30") or 0)
# How many reverse proxies of our own stand in front of the app. 0 (default): the client's
# address is the connection's, and X-Forwarded-For, which any client can write, is ignored.
# N: the address the N-th proxy from the app saw. DRF (NUM_PROXIES) and axes use this one rule.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0") or 0)
if min(LOGIN_FAILURE_LIMIT, LOGIN_FAILURE_LIMIT_PER_ADDRESS) < 1 or min(
        LOGIN_LOCKOUT_MINUTES, TRUSTED_PROXY_COUNT) < 0:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT and LOGIN_FAILURE_LIMIT_PER_ADDRESS must be at least 1, "
        "LOGIN_LOCKOUT_MINUTES and TRUSTED_PROXY_COUNT at least 0.")
AXES_HANDLER = "outletcrm.core.logins.LoginAttemptHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES) if LOGIN_LOCKOUT_MINUTES else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "outletcrm.core.logins.attempted_username"
AXES_CLIENT_IP_CALLABLE = "outletcrm.core.logins.client_ip"
AXES_LOCKOUT_CALLABLE = "outletcrm.core.logins.lockout_response"
# A success must not wipe the failures: it would wipe every failure from the same address,
# so a rep could guess at a colleague's password, log in as himself, and guess again.
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # no record of every successful login's address, kept forever

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated files (visit photos, an import's rejected rows). MEDIA_URL is never
# routed: files go out only through views that check the caller's scope (core/files.py). With
# MEDIA_ACCEL_REDIRECT (e.g. "/protected-media/", an `internal` nginx location aliasing
# MEDIA_ROOT) those views answer with X-Accel-Redirect and nginx sends the file.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT") or DATA_DIR / "media")
MEDIA_ACCEL_REDIRECT = env("MEDIA_ACCEL_REDIRECT", "") or ""
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or ENVIRONMENT == "test"
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or ENVIRONMENT != "production"

# Uploads: imports are validated in memory; the cap keeps a 50 MB junk file from being read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
IMPORT_MAX_BYTES = env_number("IMPORT_MAX_BYTES", 10 * 1024 * 1024, int)
IMPORT_MAX_ROWS = env_number("IMPORT_MAX_ROWS", 20000, int)
# A file of more rows than this is imported in the background with a progress bar
# (customers/import_jobs.py); a smaller one answers with the upload.
IMPORT_INLINE_ROWS = env_number("IMPORT_INLINE_ROWS", 1000, int)

# A JSON request body: at most this many bytes and this many nested levels (core.parsers).
API_JSON_MAX_BYTES = 5 * 1024 * 1024
API_JSON_MAX_DEPTH = 20

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "outletcrm.accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["outletcrm.core.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "outletcrm.core.api.Pagination",
    # JSON bodies are bounded in size, depth and numbers (core.parsers; docs/input-bounds.md).
    "DEFAULT_PARSER_CLASSES": [
        "outletcrm.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "outletcrm.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "outletcrm.core.api.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OutletCRM API",
    "DESCRIPTION": "终端客户开发与维护系统 REST API (v1). Token auth: POST /api/v1/auth/token.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Group the docs by resource (customers, regions…) rather than under one "v1" heading.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # The docs page works offline: Swagger UI is served from the sidecar package.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # ~170 operations in ~27 groups: Swagger UI draws only what is on screen (it virtualises
    # the list), so a filter box by group and links to each operation make them findable.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "filter": True},
    # Choice sets that share a field name get stable, readable schema names.
    "ENUM_NAME_OVERRIDES": {
        "UserRoleEnum": "outletcrm.org.models.Role",
        "ContactRoleEnum": "outletcrm.customers.choices.ContactRole",
        "CustomerStatusEnum": "outletcrm.customers.choices.Status",
        "OrderStatusEnum": "outletcrm.orders.models.OrderStatus",
        "ReturnKindEnum": "outletcrm.orders.models.ReturnClaim.Kind",
        "ReturnStatusEnum": "outletcrm.orders.models.ReturnClaim.Status",
        "PaymentMethodEnum": "outletcrm.orders.models.Payment.Method",
        "CustomerChannelEnum": "outletcrm.customers.choices.Channel",
        "ComplaintChannelEnum": "outletcrm.complaints.choices.Channel",
        "ComplaintStatusEnum": "outletcrm.complaints.choices.Status",
        "SatisfactionEnum": "outletcrm.complaints.choices.Satisfaction",
        "NotificationChannelEnum": "outletcrm.notifications.models.Channel",
        "ChurnFlagStatusEnum": "outletcrm.churn.choices.FlagStatus",
        "HandoverSplitModeEnum": "outletcrm.handover.choices.SplitMode",
        "TransportModeEnum": ["walk", "ebike", "car"],
        "ProspectOutcomeEnum": "outletcrm.pipeline.choices.Outcome",
        "LostReasonEnum": "outletcrm.pipeline.choices.LostReason",
        "EvaluationDimensionEnum": "outletcrm.evaluation.choices.Dimension",
        "EvaluationDirectionEnum": "outletcrm.evaluation.choices.Direction",
        "ClassProposalStatusEnum": "outletcrm.evaluation.choices.ProposalStatus",
        "EvaluationRunKindEnum": "outletcrm.evaluation.choices.RunKind",
    },
}

# Working hours of the company calendar (core/workcal.py): local-time periods of a working day.
# Complaint service targets are counted in these hours on working days.
WORKING_HOURS = (("09:00", "12:00"), ("13:00", "18:00"))

# Periodic jobs (core/jobs.py, docs/jobs.md): `outletcrm scheduler` enqueues each task at its
# local time ("at") or every N minutes ("every_minutes"); the key is the job's name. Each job
# is idempotent for its day.
SCHEDULE: dict[str, dict] = {
    "plans": {"task": "outletcrm.visits.tasks.plans_job", "at": "00:30"},
}
# A failed run is retried by the scheduler up to this many attempts in all, after
# JOB_RETRY_MINUTES, then twice as long each time.
JOB_MAX_ATTEMPTS = env_number("JOB_MAX_ATTEMPTS", 3, int)
JOB_RETRY_MINUTES = env_number("JOB_RETRY_MINUTES", 5, int)
# A run still "running" (or "queued") after this long is taken as abandoned (a killed worker).
JOB_STALE_MINUTES = env_number("JOB_STALE_MINUTES", 180, int)
SCHEDULER_TICK_SECONDS = env_number("SCHEDULER_TICK_SECONDS", 30, int)
# The company calendar is cached per process; other processes see an edit after this long.
WORKCAL_CACHE_SECONDS = env_number("WORKCAL_CACHE_SECONDS", 60, int)
# Plan pages and the nightly job warn when a date to plan, or the next this many days, lie
# beyond the last year the company calendar knows.
CALENDAR_WARN_DAYS = env_number("CALENDAR_WARN_DAYS", 30, int)

# E-mail (notifications): Django's mail framework, configured as MAILERS (Django 6.1; the
# environment keeps the familiar EMAIL_* names). Outside production the console backend prints
# messages instead of sending them; production sends through SMTP unless EMAIL_BACKEND says
# otherwise.
_EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if ENVIRONMENT == "production"
    else "django.core.mail.backends.console.EmailBackend")
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND}}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", "localhost") or "localhost",
        "port": env_number("EMAIL_PORT", 25, int),
        "username": env("EMAIL_HOST_USER", "") or "",
        "password": env("EMAIL_HOST_PASSWORD", "") or "",
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "use_ssl": env_bool("EMAIL_USE_SSL"),
        "timeout": env_number("EMAIL_TIMEOUT", 10, int),
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "OutletCRM <noreply@localhost>")
# The address of this site as its users reach it: links in e-mail and robot messages.
SITE_URL = (env("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
# Group robots (WeCom, DingTalk): seconds to wait for the robot's answer; plain-http loopback
# robot addresses are accepted only when this is on (the tests' fake robot server).
NOTIFICATIONS_ROBOT_TIMEOUT = env_number("NOTIFICATIONS_ROBOT_TIMEOUT", 5.0)
NOTIFICATIONS_ALLOW_LOOPBACK_ROBOTS = env_bool("NOTIFICATIONS_ALLOW_LOOPBACK_ROBOTS")
# The notifications sweep sends the e-mail and group-robot messages that are due.
SCHEDULE["notifications-sweep"] = {"task": "outletcrm.notifications.tasks.notifications_sweep",
                                   "every_minutes": 1}
# The to-do list (visits/tasks.py): each rep's morning summary of tasks due and overdue, and
# the escalation of tasks overdue by more than TASK_ESCALATION_DAYS working days to the
# rep's team supervisor (run before the summary, so the supervisor's list is current).
SCHEDULE["tasks-escalate"] = {"task": "outletcrm.visits.tasks.tasks_escalate_task", "at": "06:30"}
SCHEDULE["tasks-due"] = {"task": "outletcrm.visits.tasks.tasks_due_task", "at": "07:30"}
# The visit KPI summary (visits/kpi_summary.py): selections of at least this many rep-days
# (reps × days) read it; a nightly recount of the last days is its safety net.
KPI_SUMMARY_MIN_REP_DAYS = env_number("KPI_SUMMARY_MIN_REP_DAYS", 1000, int)
KPI_SUMMARY_RECOUNT_DAYS = env_number("KPI_SUMMARY_RECOUNT_DAYS", 3, int)
SCHEDULE["kpi-summary"] = {"task": "outletcrm.visits.tasks.kpi_summary_task", "at": "03:45"}
TASK_ESCALATION_DAYS = env_number("TASK_ESCALATION_DAYS", 2, int)
SCHEDULE["complaint-breaches"] = {"task": "outletcrm.complaints.tasks.scan_breaches_task",
                           "every_minutes": 5}
# Churn watch (outletcrm/churn, docs/churn.md): flags, dormant/lost statuses, win-backs.
SCHEDULE["churn-scan"] = {"task": "outletcrm.churn.tasks.churn_scan_task", "at": "02:00"}
SCHEDULE["care-tasks"] = {"task": "outletcrm.care.tasks.generate_care_tasks", "at": "01:00"}
# "Optimise my day" searched ahead (optimise/services.py precompute_days, issue 11): every rep's
# day of today's plans (made by "plans" at 00:30, retried until ~00:50), so the morning's calls
# need no search. Measured (bench/routing_morning.py, 2026-12-06 evening): median 0.4 / 6.4 CPU-s
# per 20- / 40-stop day (max 1.9 at 30 stops, 17.9 at 40), i.e. ~7 / ~120 minutes of one core
# for 1,000 reps; at 40 stops it runs into churn-scan (02:00), which then waits on one worker.
SCHEDULE["day-orders"] = {"task": "outletcrm.optimise.tasks.day_orders_task", "at": "01:30"}
# Archive governance (outletcrm/governance, docs/governance.md): the custodian's desk of
# suspected duplicates, and archiving lost customers by the archive policy's rule. The
# duplicate scan reads the whole live archive, like the evaluation: each gets its own hour
# (two cores), and it runs after the night's archiving so archived records raise no pair.
SCHEDULE["duplicates-scan"] = {"task": "outletcrm.governance.tasks.duplicates_scan_task",
                               "at": "04:00"}
SCHEDULE["archive-retention"] = {"task": "outletcrm.governance.tasks.archive_retention_task",
                                 "at": "03:30"}
# Evaluation and dynamic classification (outletcrm/evaluation, docs/evaluation.md): every
# customer scored, class changes proposed (after the churn scan has moved statuses).
SCHEDULE["evaluation"] = {"task": "outletcrm.evaluation.tasks.evaluation_task", "at": "03:00"}
# No two daily jobs share a time (tests/core/test_jobs.py): the nightly ones are full scans.
# Planner statistics (core/dbstats.py): SQLite gathers none by itself, and without them a list
# may walk the whole archive (issue 11); after the night's jobs have changed the data.
SCHEDULE["db-statistics"] = {"task": "outletcrm.core.tasks.db_statistics_task", "at": "04:30"}

# Customer care (docs/care.md): care tasks are made this many days before they are due, and a
# customer's gifts of a year are compared with a budget (yuan; by class code, else the default).
CARE_LOOKAHEAD_DAYS = env_number("CARE_LOOKAHEAD_DAYS", 7, int)
# Birthday, festival and family-event greetings and gifts only for customers who consented to
# marketing use (care/choices.py MARKETING_KINDS; docs/privacy.md).
CARE_REQUIRE_CONSENT = env_bool("CARE_REQUIRE_CONSENT", True)
CARE_GIFT_BUDGET_YUAN = env_number("CARE_GIFT_BUDGET_YUAN", 500, int)
CARE_GIFT_BUDGET_BY_CLASS = {"key": 2000, "ordinary": 500, "potential": 200}

# The job queue (docs/jobs.md, docs/deploy.md): TASK_BACKEND is "database" (default outside
# tests: django-tasks-db, `outletcrm worker` runs db_worker), "rq" (Redis at REDIS_URL through
# django-tasks-rq, `outletcrm worker` runs RQ's worker; any number of workers on any number of
# machines), "immediate" (run in the caller, the tests' default) or a backend's dotted path.
TASK_BACKEND_ALIASES = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
_task_backend = (env("TASK_BACKEND") or "").strip() or (
    "immediate" if ENVIRONMENT == "test" else "database")
if "." not in _task_backend and _task_backend not in TASK_BACKEND_ALIASES:
    raise ConfigError(MSG_CHOICE, name="TASK_BACKEND", value=_task_backend[:40],
                      choices="database, rq, immediate")
TASKS = {
    "default": {
        "BACKEND": TASK_BACKEND_ALIASES.get(_task_backend, _task_backend),
    }
}
REDIS_URL = env("REDIS_URL", "") or ""
TASK_QUEUE_RQ = TASKS["default"]["BACKEND"] == TASK_BACKEND_ALIASES["rq"]
if TASK_QUEUE_RQ:
    if not REDIS_URL:
        raise ConfigError(MSG_NEEDS, name="TASK_BACKEND", value="rq",
                          needed="REDIS_URL (redis://host:6379/0)")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS["default"]["QUEUES"] = ["default"]
    # A job's result is kept a day (the optimiser keeps its own on the job row); a job may run
    # as long as the longest optimisation (a 30-minute design run at most, docs/optimise.md).
    RQ_QUEUES = {"default": {"URL": REDIS_URL,
                             "DEFAULT_TIMEOUT": env_number("RQ_JOB_TIMEOUT", 3600, int),
                             "DEFAULT_RESULT_TTL": 86400}}

# Maps: Leaflet tile URL template; empty means "no tiles" (works offline, markers on a blank
# canvas). TILE_CRS says which datum the provider draws in: Chinese providers (AutoNavi,
# Tencent) use GCJ-02, so WGS-84 coordinates are shifted before display.
MAP_TILE_URL = env("MAP_TILE_URL", "") or ""
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "") or ""
MAP_TILE_CRS = (env("MAP_TILE_CRS", "wgs84") or "wgs84").lower()
# What {s} in MAP_TILE_URL stands for, one character per server (AutoNavi: "1234").
MAP_TILE_SUBDOMAINS = env("MAP_TILE_SUBDOMAINS", "abc") or "abc"
# Without a tile server, maps draw this GeoJSON (WGS-84 streets, areas, labels) under the pins:
# a file path, or the dotted path of a function returning a FeatureCollection. Outside
# production the demo company's own Hangzhou streets; empty draws none. Served to logged-in
# users at /maps/base.geojson (outletcrm/core/maps.py).
MAP_BASE_GEOJSON = (
    env("MAP_BASE_GEOJSON")
    if env("MAP_BASE_GEOJSON") is not None
    else ("" if ENVIRONMENT == "production" else "outletcrm.demo.basemap.hangzhou_streets")
) or ""

# Duplicate detection (唯一性): a near-identical name within this radius is a suspect duplicate.
DUPLICATE_RADIUS_M = env_number("DUPLICATE_RADIUS_M", 100.0)
DUPLICATE_NAME_SCORE = env_number("DUPLICATE_NAME_SCORE", 88.0)

# Field work (brief §5, issue 3).
CHECKIN_RADIUS_M = env_number("CHECKIN_RADIUS_M", 300.0)
MIN_VISIT_MINUTES = env_number("MIN_VISIT_MINUTES", 5, int)
DEEP_VISIT_MINUTES = env_number("DEEP_VISIT_MINUTES", 10, int)
POSITION_RETENTION_DAYS = env_number("POSITION_RETENTION_DAYS", 180, int)
PHOTO_MAX_BYTES = env_number("PHOTO_MAX_BYTES", 15 * 1024 * 1024, int)
PHOTO_MAX_PIXELS = env_number("PHOTO_MAX_PIXELS", 40_000_000, int)
# A device clock may drift, but a check-in from the future or from long ago is refused.
DEVICE_CLOCK_TOLERANCE_S = env_number("DEVICE_CLOCK_TOLERANCE_S", 600, int)
OFFLINE_MAX_AGE_DAYS = env_number("OFFLINE_MAX_AGE_DAYS", 7, int)

# Trading (issue 7 §2): a return, claim or discount above this amount (yuan; together with the
# customer's other credits of the window that counted without approval) waits for a
# supervisor's approval before it counts in receivables. 0: every one needs approval.
try:
    RETURN_APPROVAL_AMOUNT = Decimal(env("RETURN_APPROVAL_AMOUNT", "500") or "500")
except InvalidOperation:
    raise ImproperlyConfigured("RETURN_APPROVAL_AMOUNT must be an amount in yuan, e.g. 500.") from None
if not RETURN_APPROVAL_AMOUNT.is_finite() or RETURN_APPROVAL_AMOUNT < 0:
    raise ImproperlyConfigured("RETURN_APPROVAL_AMOUNT must be an amount in yuan, e.g. 500.")
RETURN_APPROVAL_WINDOW_DAYS = int(env("RETURN_APPROVAL_WINDOW_DAYS", "30") or 30)

# Route optimisation (issue 4; outletcrm/optimise/conf.py explains each). The travel provider
# is "haversine" (straight line x road factor), "osrm" (with ROUTING_OSRM_URL) or a dotted path.
ROUTING_TRAVEL_PROVIDER = env("ROUTING_TRAVEL_PROVIDER", "haversine") or "haversine"
ROUTING_OSRM_URL = env("ROUTING_OSRM_URL", "") or ""
ROUTING_TRAVEL_OPTIONS = env("ROUTING_TRAVEL_OPTIONS", "") or ""  # JSON, for a dotted path
ROUTING_ROAD_FACTOR = env_number("ROUTING_ROAD_FACTOR", 1.3)
ROUTING_DEFAULT_MODE = env("ROUTING_DEFAULT_MODE", "ebike") or "ebike"
ROUTING_DAY_SECONDS = env_number("ROUTING_DAY_SECONDS", 1.0)
ROUTING_DESIGN_SECONDS = env_number("ROUTING_DESIGN_SECONDS", 30.0)
ROUTING_WORK_START = env("ROUTING_WORK_START", "08:30") or "08:30"
ROUTING_WORK_END = env("ROUTING_WORK_END", "17:30") or "17:30"
ROUTING_OFFICE = env("ROUTING_OFFICE", "") or ""  # "lat,lng" (WGS-84)
ROUTING_SERVICE_MINUTES = env("ROUTING_SERVICE_MINUTES", "") or ""  # JSON {class/kind: min}



def tile_source(template: str) -> list[str]:
    """The CSP source allowing images from a Leaflet tile URL template's server.

    "https://webrd0{s}.is.autonavi.com/appmaptile?…" → "https://*.is.autonavi.com": a
    placeholder in the host's first label becomes the wildcard CSP allows there; one deeper in
    the host allows the scheme only. A relative template is covered by 'self'.
    """
    parts = urlsplit(template.strip())
    if not parts.scheme or not parts.netloc:
        return []
    host, _sep, port = parts.netloc.rpartition("@")[2].partition(":")
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    if any("{" in label for label in labels):
        return [f"{parts.scheme}:"]
    return [f"{parts.scheme}://{'.'.join(labels)}{':' + port if port else ''}"]


# Content Security Policy on every response (Django's own middleware, issue 7 §2): scripts and
# styles only from our own files, no inline code, no eval. Templates have no inline scripts,
# on*= handlers or style="" attributes (tests/core/test_csp.py); bundles set styles through the
# CSSOM, which the policy allows. Images: our files, data: (Bootstrap's icons), blob: (the phone's
# photo previews) and the tile server. The API docs page relaxes styles for Swagger UI only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:", *tile_source(MAP_TILE_URL)],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if ENVIRONMENT == "production":
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # Served over HTTPS (the default in production): plain HTTP is redirected and browsers are
    # told to use HTTPS only (HSTS). HTTPS=off for a server reached over plain HTTP only.
    SERVED_OVER_HTTPS = env_bool("HTTPS", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SERVED_OVER_HTTPS)
    SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS",
                                     31_536_000 if SERVED_OVER_HTTPS else 0, int)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if TRUSTED_PROXY_COUNT:
        # Behind our own proxy, TLS ends there: trust its X-Forwarded-Proto (nginx sets it).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a promise to the browsers' lists that is hard to take back; the
        # operator opts in with SECURE_HSTS_PRELOAD=on (docs/security.md).
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Logs go to standard error, one line per record with the request's id (core/requestid.py):
# LOG_FORMAT=json (the production default; python-json-logger) for a log collector, or text.
LOG_FORMAT = (env("LOG_FORMAT") or ("json" if ENVIRONMENT == "production" else "text")).lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ConfigError(MSG_CHOICE, name="LOG_FORMAT", value=LOG_FORMAT[:40], choices="json, text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "outletcrm.core.requestid.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s "
                           "%(process)d",
                 "datefmt": "%Y-%m-%dT%H:%M:%S%z",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger",
                                   "process": "pid"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# Archive governance (docs/access.md; issue 10 items 2–4): the access log, borrowing, exports.
# Raw access-log rows are kept this many days (then "access-purge" deletes them); the daily
# per-user summaries the reports read are kept ACCESS_SUMMARY_KEEP_DAYS.
ACCESS_LOG_KEEP_DAYS = env_number("ACCESS_LOG_KEEP_DAYS", 180, int)
ACCESS_SUMMARY_KEEP_DAYS = env_number("ACCESS_SUMMARY_KEEP_DAYS", 3 * 366, int)
# A day is flagged when a user viewed more than ACCESS_ANOMALY_FACTOR × their own median of the
# previous ACCESS_BASELINE_DAYS active days, or × the median of their peers (same role and
# region) that day — and at least ACCESS_ANOMALY_MIN_VIEWS cards (a rep opening 6 cards
# instead of 2 is no leak).
ACCESS_ANOMALY_FACTOR = env_number("ACCESS_ANOMALY_FACTOR", 3.0)
ACCESS_BASELINE_DAYS = env_number("ACCESS_BASELINE_DAYS", 28, int)
ACCESS_ANOMALY_MIN_VIEWS = env_number("ACCESS_ANOMALY_MIN_VIEWS", 30, int)
# A borrowing period (借阅) may last at most this many days.
BORROW_MAX_DAYS = env_number("BORROW_MAX_DAYS", 30, int)
# Exports of more rows than this wait for the archive custodian's approval (发放制度).
EXPORT_APPROVAL_ROWS = env_number("EXPORT_APPROVAL_ROWS", 500, int)
# The summary runs hourly (yesterday again, and today so far), so the report is at most an
# hour behind.
SCHEDULE["access-summary"] = {"task": "outletcrm.access.tasks.access_summary_task",
                              "every_minutes": 60}
SCHEDULE["access-purge"] = {"task": "outletcrm.access.tasks.access_purge_task", "at": "03:10"}

# --- Running in production (docs/deploy.md) ------------------------------------------------

# Caches: CACHE_URL=redis://host:6379/1 shares one cache among the app machines and workers
# (Django's RedisCache); the default keeps it in each process, fine on one machine since the
# app keeps nothing there that another process must see (sessions, login-failure counters,
# jobs and progress live in the database).
CACHE_URL = env("CACHE_URL", "") or ""
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": CACHE_URL, "KEY_PREFIX": "outletcrm",
                          "TIMEOUT": 300}}
elif CACHE_URL in {"", "locmem://"}:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL == "dummy://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    raise ConfigError(MSG_CACHE_URL)

# Stored files: MEDIA_STORAGE=local (MEDIA_ROOT on this machine's disk, or a disk every app
# machine mounts) or s3 (any S3-compatible service; django-storages). The bucket stays private:
# files leave only through the scoped views (core/files.py), which either redirect to a signed
# URL valid for S3_URL_EXPIRE_SECONDS (MEDIA_DELIVERY=redirect, the default) or stream the
# file through the app (MEDIA_DELIVERY=proxy: the bucket need not be reachable by browsers).
MEDIA_STORAGE = (env("MEDIA_STORAGE") or "local").lower()
if MEDIA_STORAGE not in {"local", "s3"}:
    raise ConfigError(MSG_CHOICE, name="MEDIA_STORAGE", value=MEDIA_STORAGE[:40],
                      choices="local, s3")
MEDIA_DELIVERY = (env("MEDIA_DELIVERY") or "redirect").lower()
if MEDIA_DELIVERY not in {"redirect", "proxy"}:
    raise ConfigError(MSG_CHOICE, name="MEDIA_DELIVERY", value=MEDIA_DELIVERY[:40],
                      choices="redirect, proxy")
S3_URL_EXPIRE_SECONDS = env_number("S3_URL_EXPIRE_SECONDS", 300, int)
if MEDIA_STORAGE == "s3":
    if not env("S3_BUCKET"):
        raise ConfigError(MSG_NEEDS, name="MEDIA_STORAGE", value="s3", needed="S3_BUCKET")
    S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", "") or ""
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "region_name": env("S3_REGION") or None,
            "location": env("S3_PREFIX", "") or "",
            "addressing_style": env("S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            # Private objects, signed URLs only; never a public-read ACL or an unsigned URL.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": S3_URL_EXPIRE_SECONDS,
            "file_overwrite": False,
        },
    }
    if MEDIA_DELIVERY == "redirect":
        # Browsers follow the redirect to the bucket: pictures and downloads come from there.
        _bucket_origin = tile_source(env("S3_PUBLIC_ORIGIN") or S3_ENDPOINT_URL
                                     or f"https://{env('S3_BUCKET')}.s3.amazonaws.com")
        SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], *_bucket_origin]
        SECURE_CSP["connect-src"] = [*SECURE_CSP["connect-src"], *_bucket_origin]

# A load balancer probes /healthz over plain HTTP, by address: no HTTPS redirect for it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# /healthz: the scheduler counts as late after this many seconds without a slot queued.
HEALTH_SCHEDULER_LATE_SECONDS = env_number("HEALTH_SCHEDULER_LATE_SECONDS", 0, int)

# Errors to Sentry (or a compatible service) when SENTRY_DSN is set; sentry-sdk is imported
# only then. No personal data is sent (no cookies, users' names or request bodies).
SENTRY_DSN = env("SENTRY_DSN", "") or ""
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT") or ENVIRONMENT,
                    release=env("SENTRY_RELEASE") or None, send_default_pii=False,
                    traces_sample_rate=env_number("SENTRY_TRACES_SAMPLE_RATE", 0.0))
