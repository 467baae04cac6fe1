from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Partnership
from .selectors import user_capabilities


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "partnership": SimpleLazyObject(Partnership.load),
        "demo_mode": settings.DEMO,
        "caps": SimpleLazyObject(lambda: user_capabilities(user)),
    }
