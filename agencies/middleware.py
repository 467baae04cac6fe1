import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from .selectors import remember_assignments

AUTH_AT = "auth_at"
RENEWED_AT = "renewed_at"


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or request.content_type == "application/json"


def _is_htmx(request: HttpRequest) -> bool:
    # What django-htmx's request.htmx says; read here too, before its middleware (further in) sets it.
    return bool(HtmxDetails(request))


def _signed_out(request: HttpRequest, message: str) -> HttpResponse:
    """401 for a request made by a page's script (JSON, htmx) from someone no longer signed in:
    a redirect would be followed by the script and the sign-in page put where the answer goes,
    over what the person typed. The page keeps their work and says how to sign in again."""
    if _wants_json(request):
        return JsonResponse({"error": message}, status=401)
    response = HttpResponse(message, status=401, content_type="text/plain; charset=utf-8")
    response["HX-Reswap"] = "none"
    return response


def _is_login_redirect(response: HttpResponse) -> bool:
    return response.status_code in (301, 302, 303, 307, 308) and urlsplit(
        response.get("Location", "")
    ).path == resolve_url(settings.LOGIN_URL)


def _page_posted_from(request: HttpRequest) -> str:
    """Where to return after signing in again when a form's POST found the session ended: the page
    the form was on (a same-origin Referer, as a path), never the POST-only address (a 405 after
    signing in) nor another site."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        parts = urlsplit(referer)
        if parts.path.startswith("/") and parts.path != resolve_url(settings.LOGIN_URL):
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return reverse("home")


def _sign_in_again(request: HttpRequest, message: str | None = None) -> HttpResponse:
    """The sign-in page, saying why, and back afterwards to the page asked for (a GET) or posted from."""
    if request.method in ("GET", "HEAD"):
        back = request.get_full_path()
    else:
        back = _page_posted_from(request)
        message = _(
            "You were signed out, so what you sent was not saved. Once you have signed in, you are taken back to "
            "the page: check what you typed there, then send it again."
        )
    messages.warning(request, message)
    return redirect(f"{reverse('login')}?{urlencode({'next': back})}")


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

    Once a session has ended (either limit, or signing out in another tab), an htmx request gets
    401 instead of the redirect to the sign-in page (login_required's), which htmx would follow
    and swap into the page.

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
                if _wants_json(request) or _is_htmx(request):
                    return _signed_out(request, _("Your session has ended. Please sign in again."))
                return _sign_in_again(request, _("Your session has ended after 12 hours. Please sign in again."))
        response = self.get_response(request)
        # Cheapest first: this runs after every response, and nearly none is a redirect to sign in.
        if _is_login_redirect(response) and not request.user.is_authenticated:
            if _is_htmx(request):
                return _signed_out(request, _("You have been signed out. Please sign in again."))
            # A form posted after the session ended (idle limit, signed out in another tab, account
            # deactivated): login_required's next= would be the POST-only address. Signing out itself
            # also redirects here, without a next.
            if "next" in parse_qs(urlsplit(response["Location"]).query):
                if request.method == "POST":
                    return _sign_in_again(request)
                if settings.SESSION_COOKIE_NAME in request.COOKIES:  # a session that has ended, not a first visit
                    messages.info(request, _("Your session has ended. Please sign in again."))
        return response


class MFARequiredMiddleware:
    """Outside demo mode every signed-in person must have passed a second factor.

    Someone who has not yet set up an authenticator app is sent to set one up; someone who has
    is asked for a code. Only those pages, signing in and out, the password pages (changing one's
    own asks for the second factor itself) and static files are open until then: not the rest of
    /accounts/, such as the profile page (the person's account and e-mail choices).
    """

    OPEN_PREFIXES = (
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/two-factor/",
        "/accounts/confirm-password/",
        "/accounts/password/",
        "/static/",
        "/healthz",
    )

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
            if _wants_json(request) or _is_htmx(request):
                return _signed_out(request, _("Two-factor authentication is needed."))
            return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
