"""Settings for auditportal, read from the environment.

Every value that can be set from outside goes through one of the small helpers below,
which fail loudly (ImproperlyConfigured) on a value they cannot read, rather than
silently falling back. See README.md, "Configuration", for the list.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def redacted_url(value: str) -> str:
    """A URL as an error message may print it (the journal keeps every restart's): what comes before its
    last "@" (user and password), and its query (a password= there), as ***."""
    head, at, tail = value.rpartition("@")
    if at:
        scheme, sep, _credentials = head.partition("://")
        value = f"{scheme}{sep}***@{tail}" if sep else f"***@{tail}"
    address, question, _query = value.partition("?")
    return f"{address}?***" if question else address


def checked_url(name: str, value: str, schemes: tuple[str, ...], example: str, *, hostless=()) -> str:
    """A URL setting whose scheme must be one of `schemes`: one clear line at the start, rather than a
    start that succeeds and an error on every page (a Redis URL without its redis://, say). Only the
    schemes in `hostless` may have nothing after the "://" (memory://)."""
    scheme, sep, rest = value.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in schemes or not (rest.strip("/") or scheme in hostless):
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, e.g. {example}; "
            f"not {redacted_url(value)!r}"
        )
    return value


DEBUG = env_bool("DEBUG", False)
# Demo mode loads the demo partnership and lists its users on the login page. It is refused
# on a production start: it needs DEBUG on, or DEMO=1 set explicitly.
DEMO = env_bool("DEMO", False)
TESTING = env_bool("AUDITPORTAL_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )

# Rotating SECRET_KEY: the old key here (comma-separated) keeps sessions, invitation and password links
# signed with it valid until they expire (README, "Configuration").
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = checked_url(
    "SITE_URL", env_str("SITE_URL", "http://127.0.0.1:8000"), ("https", "http"), "https://audits.example.gov.uk"
).rstrip("/")

INSTALLED_APPS = [
    "auditportal.apps.PortalAdminConfig",  # django.contrib.admin, with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_htmx",
    "csp",
    "django_otp",
    "auditportal.apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "auditportal.apps.RecoveryCodesConfig",  # django_otp.plugins.otp_static
    "axes",
    "agencies",
    "audits",
    "briefings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "agencies.middleware.SessionLimitsMiddleware",
    "agencies.middleware.MFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "agencies.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "auditportal.urls"
WSGI_APPLICATION = "auditportal.wsgi.application"

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
                "agencies.context_processors.portal",
            ],
        },
    },
]

# DATABASE_URL, e.g. postgres://auditportal:secret@127.0.0.1:5432/auditportal.
# Unset: an SQLite file for the demo.
_database_url = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}")
try:
    _database = dj_database_url.parse(
        _database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
except ValueError:  # dj_database_url's UnknownSchemeError, among others
    # Not the parser's own message: it can quote part of a password (a "#" in it ends the URL's address).
    raise ImproperlyConfigured(
        f"DATABASE_URL must be a database URL, e.g. postgres://auditportal:secret@127.0.0.1:5432/auditportal, "
        f"with a known scheme and any / ? # @ : in the password percent-encoded; not {redacted_url(_database_url)!r}"
    ) from None
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "agencies.backends.PortalBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
# One language, no message catalogues: translation off, as Django's performance advice says, since
# every {% trans %} and gettext call otherwise goes through the catalogue machinery (a tenth of a
# big page's time). The text stays marked for translation; a partnership that needs another
# language adds its catalogue and LANGUAGES and sets USE_I18N=1. British date formats (en-gb:
# 31/12/2026 input, "j M Y") apply either way.
USE_I18N = env_bool("USE_I18N", False)
if USE_I18N:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "django.middleware.locale.LocaleMiddleware",
    )
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))  # the benchmark collects elsewhere
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Briefing PDFs and exports live here. It is never served by a URL of its own: every
# download goes through a permission-checked view.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# CACHE_URL, e.g. redis://127.0.0.1:6379/1: a cache shared by every web process (Redis; a database
# number of its own, not the Celery broker's). With it, sessions are read from the cache and written
# to both (cached_db): the database stays the record, so a Redis restart signs nobody out. Unset (the
# demo's single process): a per-process memory cache, and sessions from the database alone, since a
# per-process cache would let one gunicorn worker keep a session that another has ended.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    checked_url("CACHE_URL", CACHE_URL, ("redis", "rediss", "unix"), "redis://127.0.0.1:6379/1")
    CACHES = {
        "default": {
            # Django's Redis cache, one redis-py client kept per server (auditportal.cache).
            "BACKEND": "auditportal.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "auditportal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A cache Redis that takes connections but does not answer: each operation waits this long at most
# (seconds), and after one has timed out a process leaves the cache alone for CACHE_SKIP_SECONDS, reading
# from the database meanwhile (auditportal.cache), instead of every page hanging until gunicorn's timeout.
CACHE_SOCKET_TIMEOUT = 1
CACHE_SKIP_SECONDS = 30
# The test suite is one process, so it runs cached sessions even on the memory cache: its query
# counts are the production ones either way.
# (auditportal.sessions: Django's cached_db, reading the database without failing while Redis is down.)
SESSION_ENGINE = "auditportal.sessions" if CACHE_URL or TESTING else "django.contrib.sessions.backends.db"
# The partnership's settings row (django-solo), cached on the same terms: only where every process
# shares the cache, so that a change is seen at once by every web process and Celery worker.
SOLO_CACHE = "default" if CACHE_URL or TESTING else None
SOLO_CACHE_TIMEOUT = 5 * 60
# Messages shown on the next page are kept in the session, on the server: one may quote what was typed (the
# identifier guard's refusal quotes the detail it found), and Django's default, a signed cookie, is readable
# in the browser and outlives sign-out. A message said on signing somebody out is added after logout(), so
# that it goes into the new session (agencies.admin: removing one's own authenticator).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Celery. With no broker configured, tasks run eagerly in the web process (demo mode). Even then
# Celery takes a producer from the broker's transport: kombu's in-memory one needs no server (the
# default, AMQP on localhost, would log "No hostname was supplied" at the first task).
_broker_url = env_str("CELERY_BROKER_URL", "")
if _broker_url:
    checked_url(
        "CELERY_BROKER_URL",
        _broker_url,
        ("redis", "rediss", "redis+socket", "sentinel", "memory"),
        "redis://127.0.0.1:6379/0",
        hostless=("memory",),
    )
CELERY_TASK_ALWAYS_EAGER = not _broker_url
CELERY_BROKER_URL = _broker_url or "memory://localhost/"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", None) or None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# The visibility timeout is kept above the task time limit so that a running task is never handed to a
# second worker. The socket timeouts (kombu's default: wait for ever) bound what a Redis that accepts
# connections but does not answer (stopped, swapping, a failover in progress) costs a request that queues
# a task: without them the request hung until gunicorn killed its worker, the person shown the proxy's
# error for what was saved, and every web worker in turn. With them the publish fails within seconds and
# the outbox (agencies.outbox) queues the task once Redis answers.
BROKER_SOCKET_TIMEOUT = 5
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 4,
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE


def checked_hours(name: str, value: str, example: str) -> tuple[int, ...]:
    """Hours of the day, local time (TIME_ZONE), as "8,13": one or more whole numbers 0 to 23."""
    try:
        hours = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError:
        hours = []
    if not hours or not all(0 <= hour <= 23 for hour in hours):
        raise ImproperlyConfigured(
            f"{name} must be one or more hours of the day, 0 to 23 in local time ({TIME_ZONE}), separated by "
            f"commas, e.g. {example}; not {value!r}"
        )
    return tuple(hours)


# The e-mails that go to people on a timetable (Part A reminders, reviewers' and owners' digests): at these
# local hours on working days, never in the night, at the weekend or on a bank holiday. More than one hour, so
# that a worker or beat down at the first still sends that day; each person's once-a-day (once-a-week) rule
# keeps it to one. Part A's "due within 3 days" counts working days to match
# (audits.services.parta.reminder_window_end).
# A run missed (beat down) is made late only within 4 hours of its time, and a run queued but not started
# (workers down) within 4 hours is dropped: a beat or a worker back at 23:00 sends nothing before the next
# working morning. An e-mail such a run queued, delivered later than that (a retry over a mail server that did
# not answer, the outbox publishing it again after Redis lost it, workers down), is not sent but left to the
# next run (agencies.working_days.scheduled_run_day, audits.tasks._in_hours_only). These entries and the retention purge's are crontabs, the only schedules the deadline
# applies to: a purge missed by more than 4 hours (beat down from before 02:00 until after 06:00) is not made
# late but runs the next night, at PURGE_HOUR.
SCHEDULED_EMAIL_HOURS = checked_hours("SCHEDULED_EMAIL_HOURS", env_str("SCHEDULED_EMAIL_HOURS", "8,13"), "8,13")
# The UK part whose bank holidays are not working days (agencies.working_days): beat's runs on one send
# nothing (the crontab is Monday to Friday; the task itself skips the bank holiday, scheduled=True), and the
# next working day's run sends as usual.
BANK_HOLIDAY_PARTS = ("england", "scotland", "northern-ireland", "none")
BANK_HOLIDAYS = (env_str("BANK_HOLIDAYS", "england") or "england").strip().lower()
if BANK_HOLIDAYS not in BANK_HOLIDAY_PARTS:
    raise ImproperlyConfigured(
        "BANK_HOLIDAYS must be the UK part whose bank holidays are not working days for the scheduled e-mails: "
        f"england (England and Wales), scotland, northern-ireland, or none (Monday to Friday); not {BANK_HOLIDAYS!r}"
    )
CELERY_BEAT_CRON_STARTING_DEADLINE = 4 * 60 * 60
# The retention purge's local hour, at night (an hour that is there once every day in Europe/London: the
# clocks change at 01:00 GMT and 02:00 BST, so 02:00 is neither skipped nor repeated).
PURGE_HOUR = 2
_people_email_schedule = crontab(
    minute=0, hour=",".join(str(hour) for hour in SCHEDULED_EMAIL_HOURS), day_of_week="mon-fri"
)
_people_email_options = {"expires": CELERY_BEAT_CRON_STARTING_DEADLINE}
# Sent by beat: on a bank holiday the task sends nothing (audits.tasks). Run by hand, it sends on any day.
_people_email_kwargs = {"scheduled": True}
CELERY_BEAT_SCHEDULE = {
    "part-a-reminders": {
        "task": "audits.tasks.send_part_a_reminders",
        "schedule": _people_email_schedule,
        "kwargs": _people_email_kwargs,
        "options": _people_email_options,
    },
    # Reviewers: returns awaiting review, at most once a day per audit, when one was sent since the last.
    "review-digests": {
        "task": "audits.tasks.send_review_digests",
        "schedule": _people_email_schedule,
        "kwargs": _people_email_kwargs,
        "options": _people_email_options,
    },
    # Tasks that could not be queued while Redis was down (agencies.outbox).
    "outbox-flush": {"task": "agencies.tasks.flush_outbox", "schedule": 60},
    # Retention: case-level detail of closed audits past the retention period (audits.services.retention).
    # Every night at PURGE_HOUR:00 local time, not every 24 hours from whenever beat started, so that the
    # settings page can say when its next run is (audits.services.retention.next_purge_run).
    "purge-expired": {"task": "audits.tasks.purge_expired_audits", "schedule": crontab(minute=0, hour=PURGE_HOUR)},
    # Expired sessions, with anything kept in them (agencies.tasks.clear_expired_sessions).
    "sessions-clear": {"task": "agencies.tasks.clear_expired_sessions", "schedule": 60 * 60},
    # django-axes' record of each sign-in (who, from which address, with which browser), older than
    # SIGN_IN_LOG_DAYS (agencies.tasks.clear_old_sign_in_records).
    "sign-in-records-clear": {
        "task": "agencies.tasks.clear_old_sign_in_records",
        "schedule": crontab(minute=30, hour=PURGE_HOUR),
    },
}
# Briefing renders left queued by a broker outage, or by a worker that died, are queued again.
CELERY_BEAT_SCHEDULE["briefing-render-requeue"] = {"task": "briefings.tasks.requeue_stalled_versions", "schedule": 120}
# Insight reports left queued or rendering, likewise (audits.services.insights).
CELERY_BEAT_SCHEDULE["insight-report-requeue"] = {"task": "audits.tasks.requeue_stalled_reports", "schedule": 120}
# Recommendation owners: reminders from 14 days before the due date, at most weekly (insights).
CELERY_BEAT_SCHEDULE["recommendation-reminders"] = {
    "task": "audits.tasks.send_recommendation_reminders",
    "schedule": _people_email_schedule,
    "kwargs": _people_email_kwargs,
    "options": _people_email_options,
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Port 465 (SMTPS) speaks TLS from the first byte: EMAIL_USE_SSL. One or the other, never both.
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: EMAIL_USE_TLS=1 for a relay's submission port with "
        "STARTTLS (587), or EMAIL_USE_SSL=1 for one that speaks TLS from the start (465)"
    )
# Seconds a worker waits on a silent mail relay before the e-mail fails and is retried, instead of hanging
# until the task's time limit.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "auditportal@localhost")

# Sessions: 30 minutes idle, 12 hours at most from sign-in. A request renews the session (cookie
# and stored expiry) when the last renewal is SESSION_RENEW_SECONDS old, not on every request: a
# write per page view was a tenth of a light page's time. So the idle limit is between
# SESSION_IDLE_SECONDS − SESSION_RENEW_SECONDS and SESSION_IDLE_SECONDS after the last request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = env_int("SESSION_RENEW_SECONDS", 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
# Accepting a return, publishing a briefing, unlocking and exporting need a sign-in this recent.
RECENT_LOGIN_SECONDS = env_int("RECENT_LOGIN_SECONDS", 15 * 60)

# Two-factor authentication (TOTP app, with recovery codes) for every account outside demo mode.
# The test suite turns it off except in the tests of two-factor sign-in itself.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not (DEMO or TESTING))
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "auditportal")

# Login throttling: five failures for one username from one address (agencies.client_ip, behind the
# proxy too: TRUSTED_PROXY_COUNT) lock it for an hour; an administrator unlocks it in
# Administration → Axes → Access attempts.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# How long django-axes' record of each sign-in and sign-out (username, address, browser, times) is kept:
# personal data about staff, kept for looking into an account's misuse, then deleted by beat every night.
SIGN_IN_LOG_DAYS = env_int("SIGN_IN_LOG_DAYS", 365)
if SIGN_IN_LOG_DAYS < 1:
    raise ImproperlyConfigured("SIGN_IN_LOG_DAYS must be a number of days, 1 or more.")
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A failure's form is kept with the attempt (Administration → Axes → Access attempts): its password is
# masked by django-axes, and so are these. Changing one's own password is counted too
# (agencies.passwords.current_password_confirmed): its current and new passwords, and the CSRF token
# of every form, are nobody's to read there.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "old_password",
    "new_password1",
    "new_password2",
    "csrfmiddlewaretoken",
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The error pages are templates/400.html, 403.html, 404.html and 500.html; this one is a view so that
# it has the navigation and the partnership, as they do.
CSRF_FAILURE_VIEW = "auditportal.views.csrf_failure"

SECURE = not (DEBUG or TESTING or DEMO)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SECURE)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SECURE)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE)
# /healthz answers over plain HTTP too, for a load balancer or monitor probing gunicorn directly
# (it still needs a host in ALLOWED_HOSTS).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The reverse proxies in front of gunicorn, each appending the address it was reached from to
# X-Forwarded-For: the client's address for the lockout and the access log is read from there
# (agencies.client_ip). None (the default without BEHIND_TLS_PROXY): X-Forwarded-For is ignored,
# since anybody can send it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")
AXES_CLIENT_IP_CALLABLE = "agencies.client_ip.client_ip"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy: only this site's own scripts and styles, nothing inline.
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
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Part A: the longest free text an answer or a return field may hold.
PART_A_MAX_TEXT = env_int("PART_A_MAX_TEXT", 10000)

# To standard error, which gunicorn and Celery pass on (to journald under systemd): a line per
# message, with its time, level, process and logger (a traceback follows its message's line).
LOG_LEVEL = (env_str("LOG_LEVEL", "INFO") or "INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"}},
    "filters": {"one_line_warning": {"()": "auditportal.log.OneLineWarning"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
        "console_one_line": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["one_line_warning"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # WeasyPrint and fontTools narrate every render at INFO.
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "axes")},
        # A request for a host not in ALLOWED_HOSTS is answered 400. A scanner's, as a rule, but also every
        # request of a proxy that does not pass the Host header on: one line at WARNING naming the host
        # (Django's own record is an ERROR with a traceback, every time).
        "django.security.DisallowedHost": {"handlers": ["console_one_line"], "propagate": False},
    },
}

if TESTING:
    # Hashing is not what the tests are about; a fast hasher keeps the cast fixtures cheap.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
