import time

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


def _mark_sign_in(sender, request, user, **kwargs) -> None:
    # The absolute session limit and "recent sign-in" checks count from here; the session has just
    # been saved with a fresh expiry, so the idle limit's renewal does too.
    if request is not None and hasattr(request, "session"):
        from .middleware import AUTH_AT, RENEWED_AT
        from .selectors import remember_assignments

        now = time.time()
        request.session[AUTH_AT] = request.session[RENEWED_AT] = now
        remember_assignments(request.session, user, now)


class AgenciesConfig(AppConfig):
    name = "agencies"

    def ready(self) -> None:
        user_logged_in.connect(_mark_sign_in, dispatch_uid="agencies_mark_sign_in")
