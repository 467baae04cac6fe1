from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Partnership
from .selectors import navigation_capabilities


def portal(request: HttpRequest) -> dict:
    return {
        "partnership": SimpleLazyObject(Partnership.load),
        "demo_mode": settings.DEMO,
        "caps": SimpleLazyObject(lambda: navigation_capabilities(request)),
        # How long unsaved Part A answers may stay on a device (static/js/app.js): no longer than a session.
        "device_copy_seconds": settings.SESSION_ABSOLUTE_SECONDS,
    }
