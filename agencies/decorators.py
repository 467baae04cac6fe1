import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from .middleware import AUTH_AT


def signed_in_recently(request: HttpRequest) -> bool:
    started = request.session.get(AUTH_AT)
    return started is not None and time.time() - started <= settings.RECENT_LOGIN_SECONDS


def ask_to_reauthenticate(request: HttpRequest, back: str) -> HttpResponse:
    messages.info(request, _("For your security, please confirm your password to continue."))
    return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': back})}")


def recent_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For sensitive actions: ask for the password again when the sign-in is older than RECENT_LOGIN_SECONDS.

    A refused POST sends the person back, after confirming, to the page they acted from, where they
    repeat the action: nothing is carried out on their behalf without them.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated or signed_in_recently(request):
            return view(request, *args, **kwargs)
        back = request.get_full_path()
        if request.method != "GET":
            referer = request.headers.get("Referer", "")
            allowed = url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure())
            back = referer if referer and allowed else reverse("home")
        return ask_to_reauthenticate(request, back)

    return wrapper
