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
    }
