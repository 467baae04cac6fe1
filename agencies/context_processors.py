from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from .models import Partnership
from .selectors import navigation_capabilities

# The addresses every page's base template and menu print, as {{ links.NAME }}: the same for every
# request of a process (given the script prefix and the URLconf), so worked out once each instead of
# some twenty {% url %} and {% static %} a page (about 20 µs each). The static files' hashed names
# are read from the manifest once a process anyway (a new collectstatic needs a restart, as before).
NAV_URLS = {
    "home": "home",
    "audit_list": "audits:audit_list",
    "my_returns": "audits:my_returns",
    "my_recommendations": "audits:my_recommendations",
    "briefings": "briefings:library",
    "insights": "audits:insights_trends",
    "access_log": "access_log",
    "admin": "admin:index",
    "profile": "profile",
    "password_change": "password_change",
    "mfa_setup": "mfa_setup",
    "logout": "logout",
}
STATIC_FILES = {
    "favicon": "img/favicon.svg",
    "bootstrap_css": "vendor/bootstrap/bootstrap.min.css",
    "app_css": "css/app.css",
    "bootstrap_js": "vendor/bootstrap/bootstrap.bundle.min.js",
    "htmx_js": "vendor/htmx/htmx.min.js",
    "app_js": "js/app.js",
    "kept_form_js": "js/kept-form.js",
}
_links: dict[tuple, dict[str, str]] = {}


@receiver(setting_changed)
def _forget_links(*, setting: str, **kwargs) -> None:
    # The tests' override_settings; Django resets its own URL and static file storages for these.
    if setting in ("ROOT_URLCONF", "STATIC_URL", "STATIC_ROOT", "STORAGES", "DEBUG", "FORCE_SCRIPT_NAME"):
        _links.clear()


def links() -> dict[str, str]:
    key = (get_script_prefix(), get_urlconf())
    found = _links.get(key)
    if found is None:
        found = {name: reverse(view) for name, view in NAV_URLS.items()}
        found.update({name: static(path) for name, path in STATIC_FILES.items()})
        _links[key] = found
    return found


def second_factor_pending(request: HttpRequest) -> bool:
    """Whether the signed-in person has yet to pass the second factor (agencies.middleware.MFARequiredMiddleware):
    until then every page of the menu but signing out sends them back to the two-factor page, so the menu
    offers none of them."""
    user = getattr(request, "user", None)
    if not settings.MFA_REQUIRED or user is None or not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)
    return is_verified is not None and not is_verified()


def portal(request: HttpRequest) -> dict:
    return {
        "second_factor_pending": second_factor_pending(request),
        "partnership": SimpleLazyObject(Partnership.load),
        "demo_mode": settings.DEMO,
        "caps": SimpleLazyObject(lambda: navigation_capabilities(request)),
        # How long unsaved Part A answers may stay on a device (static/js/app.js): no longer than a session.
        "device_copy_seconds": settings.SESSION_ABSOLUTE_SECONDS,
        "links": links(),
    }
