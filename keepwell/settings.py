"""keepwell's one settings module, configured from the environment (see README)."""

from __future__ import annotations

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from keepwell.conf import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("KEEPWELL_VAR_DIR") or PROJECT_DIR / "var")

DEBUG = env_bool("KEEPWELL_DEBUG", default=False)
# The demo place: fictional data, demo logins, and two-factor may be switched off
# (a banner on every page says so).
DEMO = env_bool("KEEPWELL_DEMO", default=False)

SECRET_KEY = env_str("KEEPWELL_SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or DEMO:
        # Only for a laptop: a fixed, obviously insecure key that `check --deploy` rejects.
        SECRET_KEY = "django-insecure-keepwell-local-development-only"
    else:
        raise ImproperlyConfigured(
            "KEEPWELL_SECRET_KEY must be set (or KEEPWELL_SECRET_KEY_FILE) unless "
            "KEEPWELL_DEBUG or KEEPWELL_DEMO is on"
        )

ALLOWED_HOSTS = env_list("KEEPWELL_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("KEEPWELL_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("KEEPWELL_SITE_URL", "http://127.0.0.1:8000")

_default_db = f"sqlite:///{VAR_DIR / 'keepwell.sqlite3'}"
_database_url = env_str("DATABASE_URL") or _default_db
try:
    # PostgreSQL keeps each worker's connection for a minute (checked before reuse): a new
    # connection per request costs a server process and cold caches, 20-30 ms a page.
    _db = dj_database_url.parse(
        _database_url,
        conn_max_age=env_int(
            "KEEPWELL_DB_CONN_MAX_AGE",
            60 if _database_url.startswith(("postgres://", "postgresql://")) else 0,
            minimum=0,
        ),
        conn_health_checks=True,
    )
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {exc}") from exc
if _db["ENGINE"] not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {})
    # WAL and a busy timeout let the web process and the worker share the file.
    _db["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )
# On PostgreSQL the hottest statements (a time bank exchange, the messages an event causes)
# are prepared on the server; turn preparing off behind a pooler that cannot keep prepared
# statements (pgbouncer in transaction mode before 1.21). See keepwell/core/db.py.
KEEPWELL_DB_PREPARE = env_bool("KEEPWELL_DB_PREPARE", env_bool("KEEPWELL_TIMEBANK_PREPARE", True))
# Several engineers and CI may test against one server: the test database name can be set.
_test_name = env_str("KEEPWELL_TEST_DB_NAME")
if _test_name:
    _db["TEST"] = {"NAME": _test_name}
DATABASES = {"default": _db}
# Django's database cache: every web process reads and writes the same entries (the
# dashboard's volunteer figures are worked out once a minute for all of them, not once per
# process). Migration help 0006 creates the table, so migrate is the only step.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "keepwell_cache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "keepwell.accounts.apps.KeepwellAdminConfig",  # the admin, behind keepwell's sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "keepwell.core",
    "keepwell.accounts",
    "keepwell.audit",
    "keepwell.places",
    "keepwell.people",
    "keepwell.directory",
    "keepwell.help",
    "keepwell.matching",
    "keepwell.referrals",
    "keepwell.outcomes",
    "keepwell.timebank",
    "keepwell.messaging",
    "keepwell.funding",
    "keepwell.funding.expenses",
    "keepwell.spaces",
    "keepwell.insights",
    "keepwell.insights.voice",
    "keepwell.demo",  # the demo command, above every room: last
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # No LocaleMiddleware: staff pages are in English; the public pages choose their
    # language themselves (keepwell.core.i18n.public_language).
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "keepwell.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "keepwell.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "keepwell.urls"
WSGI_APPLICATION = "keepwell.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # keepwell/templates holds only the site's shell (base.html, the error pages, shared
        # includes and the form widgets); each room's pages live in <room>/templates/<room>/.
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "keepwell.core.context_processors.keepwell",
            ],
            # Their filters (phone, nhs_number) are used on most pages.
            "builtins": [
                "keepwell.core.templatetags.keepwell",
                "keepwell.people.templatetags.people",
            ],
        },
    },
]

FORM_RENDERER = "keepwell.core.forms.NHSFormRenderer"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Two-factor sign-in for staff roles. On unless explicitly switched off, which only the
# demo place or a developer should do; a banner then says so on every page.
REQUIRE_TWO_FACTOR = env_bool("KEEPWELL_REQUIRE_2FA", default=not (DEBUG or DEMO))
OTP_TOTP_ISSUER = "keepwell"
# The admin never shows a device's secret key or its QR code: whoever could read them could
# make a second copy of someone's second factor. Staff set up their own device when signing in.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Failed sign-ins: after this many for one username or one address within the window,
# further attempts are refused until the window passes.
LOGIN_FAILURE_LIMIT = env_int("KEEPWELL_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("KEEPWELL_LOGIN_FAILURE_WINDOW", 900, minimum=1)

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("pt", "Português")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # keepwell/locale/<lang>/LC_MESSAGES/django.po
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # vendored front-end and keepwell's own assets
STATIC_ROOT = VAR_DIR / "static"
# Once `keepwell collectstatic` has run (production), files are served with hashed names
# from STATIC_ROOT; before that (the demo, tests, development) straight from the apps.
_COLLECTED = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _COLLECTED
WHITENOISE_AUTOREFRESH = DEBUG

# Security: secure by default; the demo on http://127.0.0.1 switches HTTPS-only parts off.
_HTTPS = env_bool("KEEPWELL_HTTPS", default=not (DEBUG or DEMO))
SECURE_SSL_REDIRECT = _HTTPS
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_HSTS_SECONDS = env_int("KEEPWELL_HSTS_SECONDS", 31536000 if _HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("KEEPWELL_BEHIND_PROXY", False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("KEEPWELL_SESSION_SECONDS", 8 * 3600, minimum=300)
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or DEMO
    else "django.core.mail.backends.smtp.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("KEEPWELL_FROM_EMAIL", "keepwell@localhost")

# Background work: Django's tasks API with the database backend; `keepwell db_worker` runs it.
TASKS = {
    "default": {
        "BACKEND": env_choice(
            "KEEPWELL_TASKS_BACKEND",
            "django_tasks_db.DatabaseBackend",
            {"django_tasks_db.DatabaseBackend", "django_tasks.backends.immediate.ImmediateBackend"},
        )
    }
}

# External services, each behind one client class with a local fake. (Postcodes need no
# client: the ONS Postcode Directory is imported, see keepwell.places.services.)
#
# Messaging (keepwell/messaging): GOV.UK Notify when an API key is set, otherwise the local
# fake provider, which records what it would send and answers as Notify's test mode does.
NOTIFY_API_KEY = env_str("KEEPWELL_NOTIFY_API_KEY")
KEEPWELL_MESSAGING_PROVIDER = env_choice(
    "KEEPWELL_MESSAGING_PROVIDER", "notify" if NOTIFY_API_KEY else "fake", {"notify", "fake"}
)
if KEEPWELL_MESSAGING_PROVIDER == "notify" and not NOTIFY_API_KEY:
    raise ImproperlyConfigured("KEEPWELL_MESSAGING_PROVIDER=notify needs KEEPWELL_NOTIFY_API_KEY")
# Notify calls back with "Authorization: Bearer <token>"; without a token callbacks are refused.
KEEPWELL_NOTIFY_CALLBACK_TOKEN = env_str("KEEPWELL_NOTIFY_CALLBACK_TOKEN")
# One generic template per channel in Notify, whose ((body)) (and ((subject))) keepwell fills.
KEEPWELL_NOTIFY_SMS_TEMPLATE_ID = env_str("KEEPWELL_NOTIFY_SMS_TEMPLATE_ID", "")
KEEPWELL_NOTIFY_EMAIL_TEMPLATE_ID = env_str("KEEPWELL_NOTIFY_EMAIL_TEMPLATE_ID", "")
KEEPWELL_NOTIFY_LETTER_TEMPLATE_ID = env_str("KEEPWELL_NOTIFY_LETTER_TEMPLATE_ID", "")
KEEPWELL_NOTIFY_SMS_SENDER_ID = env_str("KEEPWELL_NOTIFY_SMS_SENDER_ID", "")
KEEPWELL_NOTIFY_EMAIL_REPLY_TO_ID = env_str("KEEPWELL_NOTIFY_EMAIL_REPLY_TO_ID", "")
# Notify's limits: 3,000 messages in any rolling minute per key, and a daily cap.
KEEPWELL_MESSAGING_RATE_LIMIT = env_int("KEEPWELL_MESSAGING_RATE_LIMIT", 3000, minimum=1)
KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS = env_float("KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS", 60.0)
KEEPWELL_MESSAGING_DAILY_LIMIT = env_int("KEEPWELL_MESSAGING_DAILY_LIMIT", 250000, minimum=1)
# Message bodies are kept this long, then redacted; who, when, channel and status stay.
KEEPWELL_MESSAGE_RETENTION_DAYS = env_int("KEEPWELL_MESSAGE_RETENTION_DAYS", 365, minimum=1)
# A text from a number keepwell does not know becomes a help request for the group that last
# texted that number, else for this organisation (its slug or id); unset, it waits for the
# coordinators.
KEEPWELL_SMS_INTAKE_ORGANISATION = env_str("KEEPWELL_SMS_INTAKE_ORGANISATION", "")
# BaRS (keepwell/referrals/bars): replies and community-to-practice referrals go out as FHIR
# messages through the outbox's "fhir" channel. "fake" records them locally; "http" POSTs
# them to the receiver's endpoint, or through the BaRS proxy when the endpoint is a target
# identifier rather than a URL.
KEEPWELL_BARS_SENDER = env_choice("KEEPWELL_BARS_SENDER", "fake", {"fake", "http"})
KEEPWELL_BARS_PROXY_URL = env_str("KEEPWELL_BARS_PROXY_URL", "")
KEEPWELL_BARS_TOKEN = env_str("KEEPWELL_BARS_TOKEN", "")
KEEPWELL_BARS_TARGET_SYSTEM = env_str(
    "KEEPWELL_BARS_TARGET_SYSTEM", "https://fhir.nhs.uk/Id/dos-service-id"
)
KEEPWELL_BARS_VERSION = env_str("KEEPWELL_BARS_VERSION", "1.0.0")
KEEPWELL_BARS_CONNECT_TIMEOUT = env_float("KEEPWELL_BARS_CONNECT_TIMEOUT", 5.0)
KEEPWELL_BARS_READ_TIMEOUT = env_float("KEEPWELL_BARS_READ_TIMEOUT", 30.0)
# How many BaRS messages one sender may post: "count/period" (s, m, h or d); more is a 429.
KEEPWELL_BARS_RATE = env_str("KEEPWELL_BARS_RATE", "300/m")
if not re.fullmatch(r"[1-9]\d*/\d*(s|sec|m|min|h|hour|d|day)", KEEPWELL_BARS_RATE or ""):
    raise ImproperlyConfigured(
        f"KEEPWELL_BARS_RATE must be like 300/m (count/period), not {KEEPWELL_BARS_RATE!r}"
    )
# Estimated costs, in pence, for the broadcast preview (Notify's published prices change).
KEEPWELL_SMS_PART_PENCE = env_int("KEEPWELL_SMS_PART_PENCE", 2, minimum=0)
KEEPWELL_LETTER_PENCE = env_int("KEEPWELL_LETTER_PENCE", 68, minimum=0)

# Directory listings not verified for this many months are flagged stale.
DIRECTORY_STALE_MONTHS = env_int("KEEPWELL_DIRECTORY_STALE_MONTHS", 6, minimum=1)

# Map tiles for the directory's Leaflet map; the CSP allows images from this origin only.
KEEPWELL_MAP_TILES_ORIGIN = env_str("KEEPWELL_MAP_TILES_ORIGIN", "https://tile.openstreetmap.org")

# Mutual aid: an unacknowledged doorstep concern escalates after this long.
KEEPWELL_CONCERN_ESCALATE_HOURS = env_int("KEEPWELL_CONCERN_ESCALATE_HOURS", 4, minimum=1)
KEEPWELL_CONCERN_URGENT_ESCALATE_MINUTES = env_int(
    "KEEPWELL_CONCERN_URGENT_ESCALATE_MINUTES", 60, minimum=5
)
KEEPWELL_HELP_PUBLIC_REQUESTS_PER_HOUR = env_int(
    "KEEPWELL_HELP_PUBLIC_REQUESTS_PER_HOUR", 5, minimum=1
)
# A volunteer is reminded of a task they hold this many hours before it starts.
KEEPWELL_TASK_REMINDER_HOURS = env_int("KEEPWELL_TASK_REMINDER_HOURS", 24, minimum=1)
# The dashboard's volunteer figures (unmet needs, available now, idle) are kept this long;
# requests and concerns are always live. 0 works them out on every load.
KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = env_int(
    "KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS", 60, minimum=0
)

# Referrals: a service is reminded after this many working days without accepting,
# and the referral escalates after the second number (England and Wales bank holidays skipped).
KEEPWELL_REFERRAL_ACCEPT_WORKING_DAYS = env_int(
    "KEEPWELL_REFERRAL_ACCEPT_WORKING_DAYS", 3, minimum=1
)
KEEPWELL_REFERRAL_ESCALATE_WORKING_DAYS = env_int(
    "KEEPWELL_REFERRAL_ESCALATE_WORKING_DAYS", 5, minimum=KEEPWELL_REFERRAL_ACCEPT_WORKING_DAYS
)

# Outcomes: follow-up questionnaires this many weeks after the start (8 weeks, 6 months),
# and cohorts smaller than the minimum show their size but not their change.
KEEPWELL_OUTCOME_FOLLOWUP_WEEKS = env_list("KEEPWELL_OUTCOME_FOLLOWUP_WEEKS", ["8", "26"])
if not all(w.isdigit() and int(w) > 0 for w in KEEPWELL_OUTCOME_FOLLOWUP_WEEKS):
    raise ImproperlyConfigured(
        "KEEPWELL_OUTCOME_FOLLOWUP_WEEKS must be whole weeks separated by commas, like 8,26"
    )
KEEPWELL_OUTCOMES_MIN_COHORT = env_int("KEEPWELL_OUTCOMES_MIN_COHORT", 5, minimum=1)

# Time bank: how often an exchange is retried after a serialisation conflict.
KEEPWELL_TIMEBANK_RETRIES = env_int("KEEPWELL_TIMEBANK_RETRIES", 5, minimum=1)

# Matching weights (see README "How matching chooses").
MATCHING_URGENCY_WEIGHT = env_float("KEEPWELL_MATCHING_URGENCY_WEIGHT", 1.0)
MATCHING_CONTINUITY_BONUS_KM = env_float("KEEPWELL_MATCHING_CONTINUITY_BONUS_KM", 2.0)
MATCHING_FAIRNESS_KM_PER_TASK = env_float("KEEPWELL_MATCHING_FAIRNESS_KM_PER_TASK", 0.5)
# How long OR-Tools may search for delivery rounds, and how often scheduled matching runs.
MATCHING_ROUTING_SECONDS = env_float("KEEPWELL_MATCHING_ROUTING_SECONDS", 3.0)
MATCHING_SCHEDULE_SECONDS = env_int("KEEPWELL_MATCHING_SCHEDULE_SECONDS", 3600, minimum=60)
if MATCHING_ROUTING_SECONDS <= 0:
    raise ImproperlyConfigured("KEEPWELL_MATCHING_ROUTING_SECONDS must be more than 0 seconds")

LOG_LEVEL = env_choice("KEEPWELL_LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
