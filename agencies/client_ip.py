"""The address a request came from: one rule for django-axes' lockout (AXES_CLIENT_IP_CALLABLE) and
for the access log."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; behind TRUSTED_PROXY_COUNT reverse proxies, the address the outermost of them was
    reached from instead.

    Each proxy appends the address it was connected from to X-Forwarded-For, so that address is the
    count-th entry from the right. Whatever stands further left was sent by the client and is not
    believed, nor is the header at all when no proxy is configured. A header too short or not an
    address (the request did not come through every proxy) leaves REMOTE_ADDR.
    """
    remote_addr = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < proxies:
        return remote_addr
    try:
        return str(ipaddress.ip_address(forwarded[-proxies].strip()))
    except ValueError:
        return remote_addr
