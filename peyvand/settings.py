"""Peyvand settings: every value comes from the environment, with defaults that are safe and
work with zero set-up (SQLite under var/, tasks in the database)."""

import copy
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PEYVAND_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")
    # Development only: a fixed key keeps sessions valid across restarts of `make run`.
    SECRET_KEY = "django-insecure-peyvand-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "auditlog",
    "axes",
    "peyvand.core",
    "peyvand.accounts",
    "peyvand.search",
    "peyvand.timeline",
    "peyvand.contacts",
    "peyvand.tasks",
    "peyvand.leads",
    "peyvand.commerce",
    "peyvand.sales",
    "peyvand.commissions",
    "peyvand.knowledge",
    "peyvand.service",
    "peyvand.portal",
    "peyvand.imports",
    "peyvand.exports",
    "peyvand.dashboard",
    # Last: its demo data builds on every app above.
    "peyvand.demo",
]

MIDDLEWARE = [
    # A database that cannot answer gives 503 + Retry-After (peyvand.core.errors), not 500.
    "peyvand.core.errors.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "peyvand.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peyvand.urls"
WSGI_APPLICATION = "peyvand.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "peyvand" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peyvand.core.context_processors.peyvand",
                "peyvand.accounts.context_processors.module_permissions",
            ],
            "builtins": ["peyvand.core.templatetags.peyvand"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# DB_POOL=1 (PostgreSQL only): each process keeps a psycopg pool instead of one persistent
# connection per thread; Django requires CONN_MAX_AGE=0 with a pool.
DB_POOL = env_bool("DB_POOL", False)


def _database(url: str) -> dict:
    # Health checks: a connection cut by a database restart is noticed at the start of the next
    # request (persistent) or on checkout (pool) and replaced, so the web recovers by itself.
    config = dj_database_url.parse(
        url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    if DB_POOL and config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = 0
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("DB_POOL_MAX_SIZE", 10),
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
    return config


if DATABASE_URL:
    DATABASES = {"default": _database(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "peyvand.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE transactions take the write lock up front, so concurrent writers queue
                # on busy_timeout instead of failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536;"
                    " PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
# Reports (lead funnel, forecast, service reports, dashboard counts) read from a replica when
# DATABASE_REPLICA_URL is set: peyvand.core.db_routers, `with reporting():` in the selectors.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
# pytest sets PYTEST_VERSION for the length of a run; no server process ever has it.
_TESTING = "PYTEST_VERSION" in os.environ
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {**_database(DATABASE_REPLICA_URL), "TEST": {"MIRROR": "default"}}
elif _TESTING:
    # Tests route reports to a second alias that mirrors the test database (test_db_routers).
    DATABASES["replica"] = {**copy.deepcopy(DATABASES["default"]), "TEST": {"MIRROR": "default"}}
# Tests keep reports on "default" (their data lives in its open transaction) unless they opt in.
REPORTS_DATABASE = "replica" if DATABASE_REPLICA_URL and not _TESTING else "default"
DATABASE_ROUTERS = ["peyvand.core.db_routers.ReportsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ------------------------------------------------------------------------
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Cache and sessions -------------------------------------------------------------------------
# Rate limits and lockouts live in the cache: with several web processes it must be shared
# (CACHE_BACKEND=redis); the per-process memory cache is only right for one process.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_BACKEND = env_str("CACHE_BACKEND", "locmem")
if CACHE_BACKEND == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_REDIS_URL", REDIS_URL),
            "KEY_PREFIX": "peyvand",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Renders the template above with the cool-off in minutes, in the visitor's language.
AXES_LOCKOUT_CALLABLE = "peyvand.accounts.views.lockout_response"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "peyvand" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Tehran")
USE_I18N = True
USE_TZ = True
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "IR")

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "peyvand" / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/vazirmatn", NODE_MODULES / "vazirmatn" / "fonts" / "webfonts"),
]
# Uploads (recordings, attachments, imports, exports) on local disk, or with STORAGE_BACKEND=s3
# in a private S3-compatible bucket (django-storages, the `s3` extra). Either way they are only
# served through permission-checked views that stream storage.open(); never a public URL.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET", env_str("AWS_STORAGE_BUCKET_NAME")),
            "endpoint_url": env_str("S3_ENDPOINT_URL", env_str("AWS_S3_ENDPOINT_URL")) or None,
            "region_name": env_str("S3_REGION", env_str("AWS_S3_REGION_NAME")) or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "location": env_str("S3_PREFIX", "media"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("S3_URL_EXPIRE_SECONDS", 300),
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# WhiteNoise warns on every start when the collected-static folder does not exist yet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploads (call recordings) live outside the static root under random names.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
RECORDING_MAX_BYTES = env_int("RECORDING_MAX_BYTES", 50 * 1024 * 1024)

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "peyvand@localhost")
EMAIL_ENABLED = bool(env_str("EMAIL_HOST"))

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy: scripts only from our own static files (no inline script or event
# handler attributes anywhere; behaviours are data attributes handled in peyvand.js), no framing.
# Inline styles stay allowed: htmx and chart.js set them. CSP_EXTRA_SOURCES adds hosts for
# images and media, e.g. an S3 endpoint serving recordings.
_CSP_EXTRA = env_list("CSP_EXTRA_SOURCES", [])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *_CSP_EXTRA],
        "media-src": ["'self'", *_CSP_EXTRA],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Joining the browsers' HSTS preload list is a domain owner's decision, not a default.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- API ------------------------------------------------------------------------------------
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200
# Requests per API token per window (0: no limit); over it the API answers 429 + Retry-After.
# Erase contacts and companies left in the trash longer than this many days (purge_trash, run
# daily by the scheduler); unset keeps deleted records until someone erases them.
CONTACTS_TRASH_PURGE_DAYS = env_int("CONTACTS_TRASH_PURGE_DAYS", 0) or None
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60)

# --- Leads (docs/leads.md) --------------------------------------------------------------------
LEADS_FIRST_RESPONSE_MINUTES = env_int("LEADS_FIRST_RESPONSE_MINUTES", 60)
LEADS_HOT_SCORE = env_int("LEADS_HOT_SCORE", 70)
LEADS_WARM_SCORE = env_int("LEADS_WARM_SCORE", 40)
LEADS_FORM_RATE_PER_IP = env_int("LEADS_FORM_RATE_PER_IP", 5)  # submissions a minute
LEADS_FORM_RATE_PER_FORM = env_int("LEADS_FORM_RATE_PER_FORM", 120)
LEADS_FORM_MAX_BYTES = env_int("LEADS_FORM_MAX_BYTES", 16 * 1024)
# Only behind a reverse proxy that sets X-Forwarded-For itself.
LEADS_TRUST_X_FORWARDED_FOR = env_bool("LEADS_TRUST_X_FORWARDED_FOR", False)

# --- Text messages (peyvand.core.sms): console, locmem, file or a dotted backend class ---------
SMS_BACKEND = env_str("SMS_BACKEND", "console")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms.log"))

# --- Service desk e-mail (docs/service-email.md); IMAP from SERVICE_IMAP_* like LEADS_IMAP_* ---
# The address customers write to and replies come from ("Support <support@example.com>").
SERVICE_EMAIL_FROM = env_str("SERVICE_EMAIL_FROM", DEFAULT_FROM_EMAIL)
# More messages than this from one sender within an hour is a mail loop: the rest are ignored.
SERVICE_EMAIL_RATE_PER_SENDER = env_int("SERVICE_EMAIL_RATE_PER_SENDER", 30)
# The background job re-fetches the IMAP mailbox this often (0: only cron runs the command).
SERVICE_IMAP_POLL_SECONDS = env_int("SERVICE_IMAP_POLL_SECONDS", 120)

# --- Customer portal (docs/portal.md) -------------------------------------------------------------
PORTAL_CODE_TTL_MINUTES = env_int("PORTAL_CODE_TTL_MINUTES", 10)
PORTAL_CODE_MAX_ATTEMPTS = env_int("PORTAL_CODE_MAX_ATTEMPTS", 5)
PORTAL_CODE_RATE_PER_IDENTIFIER = env_int("PORTAL_CODE_RATE_PER_IDENTIFIER", 5)  # an hour
PORTAL_CODE_RATE_PER_IP = env_int("PORTAL_CODE_RATE_PER_IP", 20)  # an hour
PORTAL_SESSION_HOURS = env_int("PORTAL_SESSION_HOURS", 12)
# Rate limits per visitor IP read X-Forwarded-For only behind a proxy that sets it itself.
PORTAL_TRUST_X_FORWARDED_FOR = env_bool("PORTAL_TRUST_X_FORWARDED_FOR", LEADS_TRUST_X_FORWARDED_FOR)
# Customers also see their company's tickets (not only their own).
PORTAL_SHOW_COMPANY_TICKETS = env_bool("PORTAL_SHOW_COMPANY_TICKETS", False)
# The site's public address (https://crm.example.com): links to the portal in e-mails.
PORTAL_SITE_URL = env_str("PORTAL_SITE_URL", "")

# --- Service levels (docs/service-sla.md): satisfaction surveys on resolution ------------------
SERVICE_CSAT_CHANNELS = env_str("SERVICE_CSAT_CHANNELS", "email,sms")  # "email", "sms" or both
SERVICE_CSAT_TTL_DAYS = env_int("SERVICE_CSAT_TTL_DAYS", 30)
SERVICE_CSAT_RATE_PER_IP = env_int("SERVICE_CSAT_RATE_PER_IP", 30)  # survey page hits / 10 min

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
