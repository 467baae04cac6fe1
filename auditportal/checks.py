"""Deployment checks of the portal's own settings (`manage.py check --deploy`)."""

import ipaddress
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register


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
