"""Deployment checks of the portal's own settings (`manage.py check --deploy`)."""

import ipaddress
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register(deploy=True)
def check_site_url(app_configs, **kwargs) -> list[Warning]:
    """The links in e-mails (reminders, chasers, notices) are made from SITE_URL."""
    if settings.DEBUG:
        return []
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme == "https" and parts.hostname and not _is_loopback(parts.hostname):
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL!r}: the links in the portal's e-mails would point there.",
            hint="Set SITE_URL to the address people use, e.g. https://audits.example.gov.uk.",
            id="auditportal.W001",
        )
    ]


@register(deploy=True)
def check_default_from_email(app_configs, **kwargs) -> list[Warning]:
    """The default, auditportal@localhost, is nobody's address."""
    from_email = settings.DEFAULT_FROM_EMAIL
    domain = parseaddr(from_email)[1].rpartition("@")[2].lower()
    if domain and not _is_loopback(domain):
        return []
    return [
        Warning(
            f"DEFAULT_FROM_EMAIL is {from_email!r}: the portal's e-mails would come from an address "
            "nobody can reply to.",
            hint="Set DEFAULT_FROM_EMAIL to the partnership's address, e.g. audits@example.gov.uk.",
            id="auditportal.W002",
        )
    ]


# Backends that send nothing: the console one writes each e-mail, with its password-set link, to the
# worker's log.
NOT_SENDING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@register(deploy=True)
def check_email_backend(app_configs, **kwargs) -> list[Warning]:
    """Invitations and password links go by e-mail: without a real backend nobody could sign in."""
    if settings.DEBUG or settings.EMAIL_BACKEND not in NOT_SENDING:
        return []
    return [
        Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND!r}: the portal's e-mails (invitations, password links, "
            "reminders) would not be sent, and the console backend writes them, links included, to the log.",
            hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST (and the rest).",
            id="auditportal.W003",
        )
    ]


@register()
def check_email_backend_importable(app_configs, **kwargs) -> list[Error]:
    """A backend that cannot be imported (EMAIL_BACKEND=smtp, a typo) is only found when a worker first sends:
    each e-mail then fails in the worker's log, and nobody is told. Every `check` and `migrate` says so."""
    try:
        import_string(settings.EMAIL_BACKEND)
    except ImportError as error:
        return [
            Error(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND!r}, which cannot be imported ({error}): no e-mail "
                "(invitations, password links, reminders) could be sent.",
                hint="Give the backend's full dotted path: EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.",
                id="auditportal.E003",
            )
        ]
    return []


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
SMTPS_PORT = 465


@register(deploy=True)
def check_smtp_port(app_configs, **kwargs) -> list[Warning]:
    """Port 465 speaks TLS from its first byte (SMTPS). Django's SMTP backend connects there in plain text
    unless EMAIL_USE_SSL is set, and both ends wait for the other: with no EMAIL_TIMEOUT each e-mail hangs a
    worker process until the task's time limit, and is not sent."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND or settings.EMAIL_PORT != SMTPS_PORT or settings.EMAIL_USE_SSL:
        return []
    return [
        Warning(
            f"EMAIL_PORT is {SMTPS_PORT} (SMTP over TLS from the first byte), but the portal would connect to it in "
            "plain text: every e-mail would wait until the task's time limit and not be sent.",
            hint=(
                "Set EMAIL_USE_SSL=1 for this port, or use the mail relay's submission port with STARTTLS: "
                "EMAIL_PORT=587 and EMAIL_USE_TLS=1."
            ),
            id="auditportal.W004",
        )
    ]


@register(deploy=True)
def check_trusted_proxy_count(app_configs, **kwargs) -> list[Warning]:
    """Behind the TLS proxy every connection comes from the proxy: without BEHIND_TLS_PROXY (or with
    TRUSTED_PROXY_COUNT=0) the client's address is the proxy's. Nothing shows it (gunicorn itself trusts
    X-Forwarded-Proto from loopback, so the pages work), but the sign-in lockout then counts everybody's
    wrong passwords for a username together and locks it for everybody, and the access log records the
    proxy's address for every entry."""
    if settings.DEBUG or settings.TRUSTED_PROXY_COUNT > 0:
        return []
    return [
        Warning(
            "TRUSTED_PROXY_COUNT is 0 (BEHIND_TLS_PROXY is off): behind the reverse proxy every request would come "
            "from the proxy's address, so wrong passwords typed anywhere would lock a username for everybody, and "
            "the access log would record the proxy's address for everyone.",
            hint="Behind the TLS proxy, set BEHIND_TLS_PROXY=1 (and TRUSTED_PROXY_COUNT to the number of proxies "
            "that append to X-Forwarded-For, if more than one).",
            id="auditportal.W005",
        )
    ]


@register(deploy=True)
def check_broker(app_configs, **kwargs) -> list[Warning]:
    """Without CELERY_BROKER_URL tasks run inside the web request that queued them (the demo's way), and the
    worker and beat have only an in-memory broker of their own: nothing reaches them."""
    if settings.DEBUG or settings.DEMO or not settings.CELERY_TASK_ALWAYS_EAGER:
        return []
    return [
        Warning(
            "CELERY_BROKER_URL is not set: briefing PDFs and e-mails would be made inside web requests, and "
            "nothing beat queues (Part A reminders, digests, the retention purge, the outbox) would reach a worker.",
            hint="Set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 for gunicorn, the Celery worker and beat alike.",
            id="auditportal.W006",
        )
    ]


@register()
def check_production_database(app_configs, **kwargs) -> list[Error]:
    """Without DATABASE_URL the settings fall back to the demo's SQLite file: a production process or
    command started without it (an environment file not read, a misspelt name) would migrate and serve an
    empty SQLite database beside the real one, and the pages would look like a new installation."""
    if settings.DEBUG or settings.DEMO or settings.TESTING:
        return []
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return []
    return [
        Error(
            f"DATABASE_URL is not set, or names SQLite: the portal would use the SQLite file {database['NAME']}, "
            "not the PostgreSQL database.",
            hint="Set DATABASE_URL=postgres://… in the environment of every process and command (gunicorn, the "
            "Celery worker and beat, manage.py).",
            id="auditportal.E002",
        )
    ]


def _manifest_storage():
    """The static files' storage when it is the hashed one (production), else None (development, tests)."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages

    storage = storages["staticfiles"]
    return storage if isinstance(storage, ManifestFilesMixin) else None


def static_manifest_missing() -> bool:
    """Whether the hashed static files have no manifest: every page names its static files through it,
    so without `collectstatic` every page fails ("Missing staticfiles manifest entry"). Cheap: the
    storage read the manifest when it was made."""
    storage = _manifest_storage()
    return storage is not None and not storage.hashed_files


@register(deploy=True)
def check_static_manifest(app_configs, **kwargs) -> list[Error]:
    """After an install or an upgrade, `collectstatic` must have run, and run with this code."""
    from django.apps import apps
    from django.contrib.staticfiles import finders

    storage = _manifest_storage()
    if storage is None:
        return []
    if not storage.hashed_files:
        problem = (
            f"There is no static files manifest ({storage.manifest_name}) in STATIC_ROOT ({settings.STATIC_ROOT}): "
            "every page would fail"
        )
    else:
        ignore = apps.get_app_config("staticfiles").ignore_patterns
        found = {path for finder in finders.get_finders() for path, _storage in finder.list(ignore)}
        missing = sorted(found - set(storage.hashed_files))
        if not missing:
            return []
        problem = (
            f"{len(missing)} static files are not in the static files manifest (e.g. {missing[0]}): "
            "the pages that use them would fail"
        )
    return [
        Error(
            f"{problem}.",
            hint="Run manage.py collectstatic --noinput (with the same STATIC_ROOT), then restart gunicorn.",
            id="auditportal.E001",
        )
    ]
