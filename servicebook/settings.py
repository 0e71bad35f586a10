"""Servicebook settings, read from the environment.

Every knob an operator turns lives in an environment variable (see docs/operations.md).
The defaults are safe for production: DEBUG is off and a SECRET_KEY is required unless
DEBUG is on. `make run` and the test suite turn DEBUG on for the embedded SQLite set-up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SERVICEBOOK_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or "test" in sys.argv[1:2]

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # Only for the embedded development set-up; production refuses to start without one.
        SECRET_KEY = "servicebook-insecure-development-key-do-not-use-in-production-0123456789"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "servicebook.core",
    "servicebook.users",
    "servicebook.customers",
    "servicebook.cases",
    "servicebook.ledger",
    "servicebook.billing",
    "servicebook.payments",
    "servicebook.workorders",
    "servicebook.scheduling",
    "servicebook.contact",
    "servicebook.inventory",
    "servicebook.contracts",
    "servicebook.credit",
    "servicebook.receivables",
    "servicebook.integrations",
    "servicebook.quotes",
    "servicebook.console",
    "servicebook.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the message middleware: an idle logout leaves a message for the login page.
    "servicebook.users.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "servicebook.urls"
WSGI_APPLICATION = "servicebook.wsgi.application"
ASGI_APPLICATION = "servicebook.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "servicebook" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "servicebook.core.context_processors.console",
            ],
            "builtins": [
                "servicebook.core.templatetags.servicebook",
                "template_partials.templatetags.partials",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# SQLite is the embedded default: WAL lets readers work while one writer commits, IMMEDIATE
# transactions take the write lock up front (no "database is locked" half-way through a
# service), and the busy timeout makes a second writer wait instead of failing.
SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'servicebook.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", SQLITE_DEFAULT))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not env("DATABASE_URL"):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA cache_size=-65536;"
            "PRAGMA mmap_size=268435456;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env(
        "TEST_DATABASE_NAME", "test_servicebook"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

# --- Authentication and sessions ---------------------------------------------------------
AUTHENTICATION_BACKENDS = ["servicebook.users.backends.LockoutModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "users:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "users:login"
# Idle timeout: a desk left unattended logs itself out. Every request renews the window.
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE_SECONDS", 12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
if TESTING:
    # Tests create many users; the production hasher would spend most of the run hashing.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOCKOUT_MAX_FAILURES = env_int("LOCKOUT_MAX_FAILURES", 5)
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 15)

# --- Security ----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page's meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content security policy: only our own origin; scripts and styles from our static files.
# No inline script anywhere, so no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Internationalisation and time ---------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "America/Denver")
USE_I18N = True
USE_TZ = True
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", "US")

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Servicebook <servicebook@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Background work --------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "periodic"],
    }
}
# Periodic work: (task path, interval in seconds). The worker's scheduler enqueues each one
# once per slot, whichever worker gets there first (see core/scheduler.py).
PERIODIC_TASKS = [
    ("servicebook.cases.tasks.sla_check", env_int("SLA_CHECK_INTERVAL_SECONDS", 60)),
    ("servicebook.core.tasks.prune_task_results", 24 * 60 * 60),
    ("servicebook.workorders.tasks.pm_generate", env_int("PM_GENERATE_INTERVAL_SECONDS", 3600)),
    ("servicebook.payments.tasks.prune_idempotency_records", 6 * 60 * 60),
    ("servicebook.receivables.tasks.collections_run_nightly", 24 * 60 * 60),
    (
        "servicebook.receivables.tasks.collection_letters_send_periodic",
        env_int("COLLECTION_LETTERS_INTERVAL_SECONDS", 300),
    ),
    ("servicebook.integrations.tasks.webhooks_sweep", env_int("WEBHOOK_SWEEP_SECONDS", 30)),
    ("servicebook.quotes.tasks.quotes_expire_daily", 24 * 60 * 60),
    ("servicebook.contracts.tasks.contracts_renew_daily", 24 * 60 * 60),
]
# Outbound webhooks (docs/integrations.md). An endpoint may override the timeout and the
# attempts; the backoff before attempt n+1 is base * 2**(n-1) capped at max, with jitter
# (a random share of up to WEBHOOK_BACKOFF_JITTER percent taken off) so retries spread out.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10)
WEBHOOK_BACKOFF_BASE_SECONDS = float(env("WEBHOOK_BACKOFF_BASE_SECONDS", "30"))
WEBHOOK_BACKOFF_MAX_SECONDS = float(env("WEBHOOK_BACKOFF_MAX_SECONDS", str(6 * 60 * 60)))
WEBHOOK_BACKOFF_JITTER = env_int("WEBHOOK_BACKOFF_JITTER", 50)
# A claim older than this is a worker that died mid-send: the delivery is due again.
WEBHOOK_LEASE_SECONDS = env_int("WEBHOOK_LEASE_SECONDS", 120)
WEBHOOK_BATCH_SIZE = env_int("WEBHOOK_BATCH_SIZE", 50)
WEBHOOK_RESPONSE_EXCERPT_CHARS = env_int("WEBHOOK_RESPONSE_EXCERPT_CHARS", 500)
# How old a signature's timestamp may be when a receiver (and our own verifier) checks it.
WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = env_int("WEBHOOK_SIGNATURE_TOLERANCE_SECONDS", 300)
# After an endpoint's secret is rotated, the old one still signs (a second v1=) this long.
WEBHOOK_SECRET_GRACE_HOURS = env_int("WEBHOOK_SECRET_GRACE_HOURS", 24)
# A partner request still "sent" (not acknowledged) this many days after sending is overdue.
PARTNER_REQUEST_OVERDUE_DAYS = env_int("PARTNER_REQUEST_OVERDUE_DAYS", 3)
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", 7)
# Collection letters by email (docs/receivables.md): batch per claim, attempts before the
# letter goes to the print list, first retry delay (doubling), how old an unsent letter may
# be and still go out, a sender's lease on its batch, and whether the PDF is attached.
COLLECTION_LETTERS_BATCH = env_int("COLLECTION_LETTERS_BATCH", 200)
COLLECTION_LETTER_MAX_ATTEMPTS = env_int("COLLECTION_LETTER_MAX_ATTEMPTS", 5)
COLLECTION_LETTER_RETRY_SECONDS = env_int("COLLECTION_LETTER_RETRY_SECONDS", 300)
COLLECTION_LETTER_MAX_AGE_DAYS = env_int("COLLECTION_LETTER_MAX_AGE_DAYS", 7)
COLLECTION_LETTER_LEASE_SECONDS = env_int("COLLECTION_LETTER_LEASE_SECONDS", 600)
COLLECTION_LETTER_PDF = env_bool("COLLECTION_LETTER_PDF", True)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["servicebook.core.api.permissions.HasCapability"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "servicebook.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "servicebook.core.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Servicebook API",
    "DESCRIPTION": "Servicebook: the same services as the console, over HTTP.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a "status" with its own choices: each set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "QuoteStatusEnum": "servicebook.quotes.choices.QuoteStatus",
        "SubcontractorQuoteStatusEnum": "servicebook.quotes.choices.SubQuoteStatus",
        "PartnerRequestStatusEnum": "servicebook.quotes.choices.PartnerRequestStatus",
        "ContractStatusEnum": "servicebook.contracts.choices.ContractStatus",
        "CustomerPOStatusEnum": "servicebook.contracts.choices.POStatus",
    },
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Card numbers never reach a log, whatever logs them (docs/payments.md).
    "filters": {"no_card_numbers": {"()": "servicebook.payments.logsafety.MaskCardNumbers"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_card_numbers"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SERVICEBOOK_BUSINESS_NAME = env("SERVICEBOOK_BUSINESS_NAME", "Servicebook Demo Utilities")
CASE_AUTO_CLOSE_DAYS = env_int("CASE_AUTO_CLOSE_DAYS", 7)

# --- Payments (docs/payments.md) -------------------------------------------------------------
# The card and bank gateway (the built-in test gateway answers to documented test numbers).
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY", "servicebook.payments.gateways.test.TestGateway")
# The largest single payment accepted (a typo guard: 1000000 for 100.00).
PAYMENTS_MAX_AMOUNT = env("PAYMENTS_MAX_AMOUNT", "100000.00")
# Fee charged when a payment comes back for a reason that is the customer's doing (NSF...).
PAYMENTS_RETURNED_PAYMENT_FEE = env("PAYMENTS_RETURNED_PAYMENT_FEE", "25.00")
# Simple interest on deposits, per year, by days held (365-day year), paid on release.
DEPOSIT_INTEREST_RATE_PERCENT = env("DEPOSIT_INTEREST_RATE_PERCENT", "1.00")
# An API Idempotency-Key and its stored reply are kept this long, then may be reused.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)
# BAI2 detail type codes that are customer payments, and the method each posts as; other
# credits in a file are reported as skipped.
BAI2_PAYMENT_TYPE_CODES = dict(
    item.split(":", 1)
    for item in env_list(
        "BAI2_PAYMENT_TYPE_CODES",
        ["115:check", "175:check", "301:check", "142:ach", "165:ach", "169:ach", "195:ach"],
    )
)
# Who imports bank files when the command is run without --user (needs payments.bank_files).
PAYMENTS_BANK_FILE_USERNAME = env("PAYMENTS_BANK_FILE_USERNAME", "")

# --- Work orders and preventive maintenance (docs/workorders.md) ----------------------------------
# Maintenance visits are generated this many days ahead (a plan may set its own horizon).
PM_HORIZON_DAYS = env_int("PM_HORIZON_DAYS", 30)
# The after-visit call is due this many hours after a work order is completed.
WORKORDER_FOLLOW_UP_HOURS = env_int("WORKORDER_FOLLOW_UP_HOURS", 48)

# --- Receivables ---------------------------------------------------------------------------------
# Aging buckets by days past due: current, 1-30, 31-60, 61-90, 91-120, 121+.
AGING_BUCKETS = [int(x) for x in env_list("AGING_BUCKETS", ["0", "30", "60", "90", "120"])]

# --- Billing (docs/billing.md) ------------------------------------------------------------------
# Payment terms when an account's billing profile names none: due this many days after issue.
BILLING_TERMS_DAYS = env_int("BILLING_TERMS_DAYS", 21)
# A recurring charge may start (and so be billed from) at most this many days in the past.
BILLING_MAX_BACKDATE_DAYS = env_int("BILLING_MAX_BACKDATE_DAYS", 92)
# Accounts per transaction of the bill run's bulk path.
BILL_RUN_CHUNK = env_int("BILL_RUN_CHUNK", 2000)
# Email of invoices and statements: attempts before giving up, and the wait between them.
BILLING_EMAIL_MAX_ATTEMPTS = env_int("BILLING_EMAIL_MAX_ATTEMPTS", 5)
BILLING_EMAIL_RETRY_SECONDS = env_int("BILLING_EMAIL_RETRY_SECONDS", 300)
# The name, address and remittance lines printed on invoices and statements.
BILLING_REMIT_TO = env_list(
    "BILLING_REMIT_TO", ["PO Box 1200", "Denver, CO 80201", "billing@example.com"]
)

# --- Contact centre (docs/contact.md) -------------------------------------------------------------
# Service level: share of queue calls answered within this many seconds (target shown beside it).
CONTACT_SERVICE_LEVEL_SECONDS = env_int("CONTACT_SERVICE_LEVEL_SECONDS", 20)
CONTACT_SERVICE_LEVEL_TARGET_PERCENT = env_int("CONTACT_SERVICE_LEVEL_TARGET_PERCENT", 80)
# Callers who hang up within this many seconds of queueing are not counted as offered calls.
CONTACT_SHORT_ABANDON_SECONDS = env_int("CONTACT_SHORT_ABANDON_SECONDS", 5)
# First-contact resolution: no repeat contact on the same issue within this many days.
CONTACT_FCR_DAYS = env_int("CONTACT_FCR_DAYS", 7)
# How often an agent's console asks for a ringing call, and how long a pop stays offered.
CONTACT_POP_POLL_SECONDS = env_int("CONTACT_POP_POLL_SECONDS", 3)
CONTACT_POP_TTL_SECONDS = env_int("CONTACT_POP_TTL_SECONDS", 120)
# The zone of the PBX's call-record clock (Asterisk writes local time unless usegmtime=yes).
CONTACT_PBX_TIME_ZONE = env("CONTACT_PBX_TIME_ZONE", TIME_ZONE)
# Answering-service messages become callback cases of this priority (its SLA policy applies).
CONTACT_CALLBACK_PRIORITY = env("CONTACT_CALLBACK_PRIORITY", "high")
# The user that opens callback cases for messages fed by the command (needs cases.work).
CONTACT_INTAKE_USERNAME = env("CONTACT_INTAKE_USERNAME", "")
# The longest shift the schedule accepts: an end time before the start is the next day (a
# night shift), so this is what catches a start and end typed the wrong way round.
CONTACT_SHIFT_MAX_HOURS = env_int("CONTACT_SHIFT_MAX_HOURS", 16)

# --- Scheduling and dispatch (docs/scheduling.md) -----------------------------------------------
# Documents that must be on file (and current) before a technician may be dispatched.
SCHEDULING_REQUIRED_DOCUMENTS_SUBCONTRACTOR = env_list(
    "SCHEDULING_REQUIRED_DOCUMENTS_SUBCONTRACTOR", ["insurance", "license"]
)
SCHEDULING_REQUIRED_DOCUMENTS_TECHNICIAN = env_list("SCHEDULING_REQUIRED_DOCUMENTS_TECHNICIAN", [])
# Travel between places: great-circle distance x road factor at an average speed.
SCHEDULING_ROAD_FACTOR = float(env("SCHEDULING_ROAD_FACTOR", "1.3"))
SCHEDULING_SPEED_KMH = float(env("SCHEDULING_SPEED_KMH", "40"))
# Appointment offers: candidate starts on this grid, at most this many offers, this far ahead,
# and the arrival window quoted to the customer around the planned start.
SCHEDULING_OFFER_STEP_MINUTES = env_int("SCHEDULING_OFFER_STEP_MINUTES", 30)
SCHEDULING_OFFER_LIMIT = env_int("SCHEDULING_OFFER_LIMIT", 8)
SCHEDULING_OFFER_MAX_DAYS = env_int("SCHEDULING_OFFER_MAX_DAYS", 14)
SCHEDULING_OFFER_MIN_LEAD_MINUTES = env_int("SCHEDULING_OFFER_MIN_LEAD_MINUTES", 60)
SCHEDULING_ARRIVAL_WINDOW_MINUTES = env_int("SCHEDULING_ARRIVAL_WINDOW_MINUTES", 120)
# Overtime the optimizer and emergency insertion may plan, unless a technician says otherwise.
SCHEDULING_MAX_OVERTIME_MINUTES = env_int("SCHEDULING_MAX_OVERTIME_MINUTES", 60)
# A lunch break may start up to this many minutes after its planned start (optimizer).
SCHEDULING_BREAK_FLEX_MINUTES = env_int("SCHEDULING_BREAK_FLEX_MINUTES", 60)
# The board: hours shown (business zone) and how often it asks whether anything changed.
SCHEDULING_BOARD_START_HOUR = env_int("SCHEDULING_BOARD_START_HOUR", 6)
SCHEDULING_BOARD_END_HOUR = env_int("SCHEDULING_BOARD_END_HOUR", 20)
SCHEDULING_BOARD_POLL_SECONDS = env_int("SCHEDULING_BOARD_POLL_SECONDS", 5)
# The day optimizer from the board: default and largest time limit in seconds.
SCHEDULING_OPTIMIZER_SECONDS = env_int("SCHEDULING_OPTIMIZER_SECONDS", 5)
SCHEDULING_OPTIMIZER_MAX_SECONDS = env_int("SCHEDULING_OPTIMIZER_MAX_SECONDS", 60)
# A technician's calendar feed covers this many days back and ahead.
SCHEDULING_CALENDAR_PAST_DAYS = env_int("SCHEDULING_CALENDAR_PAST_DAYS", 30)
SCHEDULING_CALENDAR_FUTURE_DAYS = env_int("SCHEDULING_CALENDAR_FUTURE_DAYS", 90)
