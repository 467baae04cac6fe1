"""Deployment checks of the portal's own settings (`manage.py check --deploy`)."""

import ipaddress
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register


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
