import re
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from .middleware import AUTH_AT

# What a person had typed when a sensitive action stopped to ask for their password (WCAG 3.3.7): kept in
# their session for the page they acted from, for a short while and for one use, so that they do not type
# it again. Never anything secret; the action itself is never replayed: they check it and press again.
KEPT_FIELDS = "recent_login_kept"
KEEP_SECONDS = 10 * 60
KEEP_MAX_CHARS = 50_000
_SECRET = re.compile(r"csrf|pass|token|code|otp|secret", re.IGNORECASE)


def signed_in_recently(request: HttpRequest) -> bool:
    started = request.session.get(AUTH_AT)
    return started is not None and time.time() - started <= settings.RECENT_LOGIN_SECONDS


def _fresh_kept(request: HttpRequest) -> dict[str, dict[str, Any]]:
    kept = request.session.get(KEPT_FIELDS) or {}
    return {path: entry for path, entry in kept.items() if time.time() - entry["at"] <= KEEP_SECONDS}


def _store_kept(request: HttpRequest, kept: dict[str, dict[str, Any]]) -> None:
    if kept:
        request.session[KEPT_FIELDS] = kept
    else:
        request.session.pop(KEPT_FIELDS, None)


def keep_posted_fields(request: HttpRequest, back: str) -> None:
    """Keep the non-secret fields of this POST for the page at `back`, until it is next shown there."""
    fields = {name: request.POST.getlist(name) for name in request.POST if not _SECRET.search(name)}
    kept = _fresh_kept(request)
    path = urlsplit(back).path
    size = sum(len(name) + sum(len(value) for value in values) for name, values in fields.items())
    if fields and size <= KEEP_MAX_CHARS:
        kept[path] = {"at": time.time(), "fields": fields}
    else:
        kept.pop(path, None)
    _store_kept(request, kept)


def has_kept_fields(request: HttpRequest, url: str) -> bool:
    return urlsplit(url).path in _fresh_kept(request)


def recent_login_restored(request: HttpRequest) -> dict[str, Any] | None:
    """What the person had typed on this page before being asked for their password, once, to offer as
    the form's data or initial values (a field sent once as its one value, one sent several times as a
    list); None if nothing was kept. Says so in a message: they check it and press the button again."""
    if request.path not in (request.session.get(KEPT_FIELDS) or {}):
        return None
    kept = _fresh_kept(request)
    entry = kept.pop(request.path, None)
    _store_kept(request, kept)
    if entry is None:
        return None
    messages.info(
        request,
        _("What you typed before confirming your password has been kept: check it, then press the button again."),
    )
    return {name: values[0] if len(values) == 1 else values for name, values in entry["fields"].items()}


def ask_to_reauthenticate(request: HttpRequest, back: str, *, keep: bool = True) -> HttpResponse:
    """Send the person to confirm their password, then back to `back`: the page they acted from, where a
    POST's non-secret fields are kept for them (see recent_login_restored)."""
    if request.method == "POST" and keep:
        keep_posted_fields(request, back)
    messages.info(request, _("For your security, please confirm your password to continue."))
    return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': back})}")


def recent_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For sensitive actions: ask for the password again when the sign-in is older than RECENT_LOGIN_SECONDS.

    A refused POST sends the person back, after confirming, to the page they acted from. Nothing is
    carried out on their behalf without them: they press the button again. What they had typed is kept
    for that page, and its view offers it again by calling recent_login_restored(request) when it shows
    the form.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated or signed_in_recently(request):
            return view(request, *args, **kwargs)
        if request.method == "GET":
            return ask_to_reauthenticate(request, request.get_full_path())
        referer = request.headers.get("Referer", "")
        if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
            return ask_to_reauthenticate(request, referer)
        return ask_to_reauthenticate(request, reverse("home"), keep=False)  # no page to offer them again on

    return wrapper
