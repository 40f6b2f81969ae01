"""Peyvand settings: every value comes from the environment, with defaults that are safe and
work with zero set-up (SQLite under var/, tasks in the database)."""

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
    "peyvand.dashboard",
    # Last: its demo data builds on every app above.
    "peyvand.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "peyvand.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    }
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
PORTAL_TRUST_X_FORWARDED_FOR = env_bool(
    "PORTAL_TRUST_X_FORWARDED_FOR", LEADS_TRUST_X_FORWARDED_FOR
)
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
