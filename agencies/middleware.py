import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .selectors import remember_assignments

AUTH_AT = "auth_at"
RENEWED_AT = "renewed_at"


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or request.content_type == "application/json"


class NoStoreMiddleware:
    """Pages shown to a signed-in user may hold case content: no browser or proxy may keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response


class SessionLimitsMiddleware:
    """Ends a session 12 hours after sign-in, however active, and keeps an active one alive.

    The idle limit is the session's age (SESSION_COOKIE_AGE): Django stores an expiry with the
    session and sets the cookie's whenever the session is saved. Marking the session modified at
    most once every SESSION_RENEW_SECONDS renews both, instead of a database write per request
    (SESSION_SAVE_EVERY_REQUEST).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(AUTH_AT)
            now = time.time()
            if now - request.session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                request.session[RENEWED_AT] = now
                remember_assignments(request.session, request.user, now)  # the menu's, while writing anyway
            if started is None:
                request.session[AUTH_AT] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if _wants_json(request):
                    return JsonResponse({"error": _("Your session has ended. Please sign in again.")}, status=401)
                messages.info(request, _("Your session has ended after 12 hours. Please sign in again."))
                return redirect(f"{reverse('login')}?next={request.path}")
        return self.get_response(request)


class MFARequiredMiddleware:
    """Outside demo mode every signed-in person must have passed a second factor.

    Someone who has not yet set up an authenticator app is sent to set one up; someone who has
    is asked for a code. Only those pages, signing out and static files are open until then.
    """

    OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.MFA_REQUIRED
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            if _wants_json(request):
                return JsonResponse({"error": _("Two-factor authentication is needed.")}, status=401)
            return redirect(f"{reverse('mfa_verify')}?next={request.get_full_path()}")
        return self.get_response(request)
