"""The password journeys: a forgotten password reset through a link by e-mail, a signed-in person's
change of their own password, and the invitation a person added in Administration is sent to choose
their first one (the same link: the administrator never knows or sends anybody's password).

Django's auth views, forms and default_token_generator do the work. What the portal adds: the
e-mails go through the outbox and agencies.mail like its other account e-mails; asking for a link
says the same whatever the address, writes the same (one outbox row) and is rate-limited, so it
tells nobody whether an address has an account; a new password is recorded in the access log and
the person is told of it by e-mail; an inactive account is sent nothing and its link does nothing."""

import hashlib
import logging
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from redis.exceptions import RedisError

from .client_ip import client_ip
from .models import AccessAction, OutboxMessage, User
from .services import access_record, transaction_lock

logger = logging.getLogger(__name__)

# Links asked for, per address and per client address, in RATE_WINDOW seconds; beyond that the page
# says the same and nothing is sent (a person who asks three times in an hour has their e-mails).
RATE_WINDOW = 60 * 60
RATE_PER_EMAIL = 3
RATE_PER_IP = 20
RESET_TASK = "agencies.tasks.send_password_reset"

# How a password came to be set, as the access log and the person's notice say it.
PASSWORD_SET_BY = {
    "change": gettext_lazy("changed by you, signed in, with your current password"),
    "reset": gettext_lazy("reset with a link e-mailed to you"),
}


def link_lifetime() -> str:
    """How long a link to set a password works (PASSWORD_RESET_TIMEOUT, Django's 3 days by default)."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds >= 2 * 24 * 60 * 60:
        days = seconds // (24 * 60 * 60)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = max(1, seconds // (60 * 60))
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def password_link(person: User) -> str:
    """The address of the page where `person` chooses a password: works once, for link_lifetime()."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


# --- Services -------------------------------------------------------------------------------------


def _over_limit(key: str, limit: int) -> bool:
    cache.add(key, 0, timeout=RATE_WINDOW)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.set(key, 1, timeout=RATE_WINDOW)
        return False


def _over_limit_by_outbox(email: str, ip: str | None) -> bool:
    """The limits while the cache (Redis) does not answer: the links asked for within the window for this
    address and from this client address, as the outbox recorded them (one row each, with the client address),
    in one query over the window's rows (the outbox keeps a week of messages)."""
    since = timezone.now() - timedelta(seconds=RATE_WINDOW)
    from_ip = Q(ip_address=ip) if ip else Q(ip_address__isnull=True)
    asked = OutboxMessage.objects.filter(task=RESET_TASK, created_at__gte=since).aggregate(
        for_email=Count("pk", filter=Q(args__0__iexact=email.strip())),
        from_ip=Count("pk", filter=from_ip),
    )
    return asked["for_email"] >= RATE_PER_EMAIL or asked["from_ip"] >= RATE_PER_IP


# The advisory lock (agencies.services.transaction_lock) the limits counted from the outbox are checked under.
RESET_LIMIT_LOCK = "password-reset-limits-by-outbox"


def rate_keys(*, email: str, ip: str | None) -> tuple[str, str]:
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    return f"password-reset:email:{digest}", f"password-reset:ip:{ip or 'unknown'}"


def password_reset_request(*, request: HttpRequest, email: str) -> bool:
    """Somebody asked for a link to reset the password of the account(s) with `email`. Whether there
    is one is decided by the task (send_password_reset), not here: the request does the same work
    either way. False when over the rate limit (nothing is sent; the page says the same)."""
    from .outbox import outbox_add

    ip = client_ip(request)
    email_key, ip_key = rate_keys(email=email, ip=ip)
    by_outbox = False
    try:
        limited = _over_limit(ip_key, RATE_PER_IP) | _over_limit(email_key, RATE_PER_EMAIL)
    except RedisError as error:
        # Not a 500 for a person locked out of their account while Redis is down: the link goes (through
        # the outbox, as the broker is down too), limited per address and per client address by what the
        # outbox holds.
        logger.warning("password reset: rate limited from the outbox, the cache does not answer: %r", error)
        limited, by_outbox = False, True
    with transaction.atomic():
        if by_outbox:
            # Counted and written in turn (until this transaction ends): requests at the same moment, in other
            # web workers, would each count the links before any of them wrote its own, all under the limits.
            transaction_lock(RESET_LIMIT_LOCK)
            limited = _over_limit_by_outbox(email, ip)
        if limited:
            logger.warning("password reset: too many requests from %s or for one address; none sent", ip)
            return False
        outbox_add(OutboxMessage(task=RESET_TASK, args=[email], ip_address=ip))
    return True


def password_save(*, request: HttpRequest, form: forms.Form, person: User, how: str) -> User:
    """Save the new password of `form` (Django's SetPasswordForm or PasswordChangeForm for `person`),
    record it, and tell the person by e-mail once it commits: unless it is their first (an invitation
    accepted), which they have just chosen and nobody else knew of."""
    from .outbox import enqueue

    first = not person.has_usable_password()
    with transaction.atomic():
        form.save()
        done = "first password set" if first else f"password {'changed' if how == 'change' else 'reset by e-mail'}"
        access_record(
            request=request,
            user=person,
            action=AccessAction.CHANGE,
            obj=person,
            summary=f"Sign-in of {person.get_username()} changed: {done}",
        )
        if not first:
            enqueue("agencies.tasks.notify_password_set", person.pk, how, timezone.now().isoformat())
    return person


def invitation_send(*, person: User, by: User | None) -> bool:
    """A person was added (agencies.admin): e-mail them a link to choose their password, once this
    transaction commits. False when they have no address to send it to."""
    from .outbox import enqueue

    if not person.email:
        return False
    enqueue("agencies.tasks.send_invitation", person.pk, by.pk if by else None)
    return True


# --- The current password, asked again of a signed-in person --------------------------------------


def current_password_confirmed(request: HttpRequest, person: User, password: str) -> bool:
    """Whether `password` is the signed-in `person`'s (confirming it before a sensitive action, or to
    change it). Asked through authenticate(), as the sign-in page asks, so that django-axes counts a
    wrong one towards the same lockout (AXES_FAILURE_LIMIT for one username from one address) and
    refuses even the right one while it lasts: with a session taken over (a cookie stolen, a screen left
    unlocked) the password could otherwise be guessed here without limit, and with it every action that
    asks for it again, and the password itself, taken. The right one clears the failures counted, as a
    sign-in does (AXES_RESET_ON_SUCCESS)."""
    from axes.handlers.proxy import AxesProxyHandler

    confirmed = authenticate(request, username=person.get_username(), password=password)
    if confirmed is None or confirmed.pk != person.pk:
        return False
    if settings.AXES_RESET_ON_SUCCESS:
        AxesProxyHandler.reset_attempts(ip_address=client_ip(request), username=person.get_username())
    return True


def sign_out_if_locked(request: HttpRequest) -> bool:
    """After a wrong current password: when it locked the account (django-axes marks the request, and
    its middleware answers with the lockout page), the session ends too, recorded in the access log,
    as the lockout page says to sign in again. True when it did."""
    person = request.user
    if not getattr(request, "axes_locked_out", False) or not person.is_authenticated:
        return False
    access_record(
        request=request,
        action=AccessAction.REFUSED,
        obj=person,
        summary=f"Sign-in of {person.get_username()} paused after wrong passwords given while signed in: signed out",
    )
    logout(request)
    return True


class CurrentPasswordChangeForm(PasswordChangeForm):
    """Django's form for changing one's own password, its current password checked through
    current_password_confirmed (the lockout), not by check_password alone."""

    def __init__(self, user, *args, request: HttpRequest, **kwargs) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not current_password_confirmed(self.request, self.user, old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


# --- The e-mails (run by agencies.tasks) ---------------------------------------------------------


def _context(person: User, **extra) -> dict:
    from .models import Partnership

    return {
        "person": person,
        "partnership": Partnership.load(),
        "site_url": settings.SITE_URL,
        "reset_url": settings.SITE_URL + reverse("password_reset"),
        "lifetime": link_lifetime(),
        **extra,
    }


def _send(template: str, subject: str, person: User, **extra) -> None:
    from django.template.loader import render_to_string

    from .mail import portal_mail_send

    body = render_to_string(template, _context(person, **extra))
    portal_mail_send(subject=subject, body=body, to=[person.email])


def accounts_with_email(email: str) -> list[User]:
    """The active accounts with this address, compared as Django's PasswordResetForm does, with those
    whose password is not set yet, which Django leaves out (for a sign-in elsewhere the portal does not
    have): a person invited whose link has expired asks for a new one with "Forgotten your password?".
    Only while they have never signed in: an account whose password was turned off after use (Django's
    "password-based authentication: disabled") is not switched back on by whoever reads its mailbox."""
    folded = email.casefold()
    return [
        person
        for person in User.objects.filter(email__iexact=email, is_active=True)
        if person.email.casefold() == folded and (person.has_usable_password() or person.last_login is None)
    ]


def email_password_reset(*, email: str) -> int:
    """E-mail each active account with `email` a link to reset its password. How many were sent."""
    people = accounts_with_email(email)
    for person in people:
        _send(
            "registration/password_reset_email.txt",
            _("Reset your password for the audit portal"),
            person,
            link=password_link(person),
        )
    return len(people)


def email_invitation(*, person_id: int, by_id: int | None) -> bool:
    """E-mail a person added by the administrator the link to choose their password. False when the
    account is gone, inactive, without an address, or has a password already (set since)."""
    from .services import _changed_by

    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or not person.email or person.has_usable_password():
        return False
    _send(
        "registration/invitation_email.txt",
        _("Your account on the audit portal: choose your password"),
        person,
        link=password_link(person),
        by=_changed_by(by_id),
    )
    return True


def email_password_set(*, person_id: int, how: str, at: str) -> bool:
    """Tell a person their password was changed or reset (password_save). False when there is nobody
    (or no address) to tell."""
    from datetime import datetime

    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or not person.email or how not in PASSWORD_SET_BY:
        return False
    _send(
        "registration/password_changed_email.txt",
        _("Your password for the audit portal was changed"),
        person,
        how=PASSWORD_SET_BY[how],
        at=timezone.localtime(datetime.fromisoformat(at)),
    )
    return True


# --- Views ----------------------------------------------------------------------------------------


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=254,
        help_text=gettext_lazy("The address your account's e-mails go to."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an e-mail address. The answer is the same page whatever the address (Django's too)."""

    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"

    def form_valid(self, form) -> HttpResponse:
        password_reset_request(request=self.request, email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "lifetime": link_lifetime()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link: choose a password (Django's validators), then sign in, with two factors as ever."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64):
        person = super().get_user(uidb64)
        return person if person is not None and person.is_active else None  # deactivated since

    def get_context_data(self, **kwargs) -> dict:
        return {
            **super().get_context_data(**kwargs),
            "first": not self.user.has_usable_password() if self.user else False,
            "lifetime": link_lifetime(),  # said when the link no longer works
        }

    def form_valid(self, form) -> HttpResponse:
        password_save(request=self.request, form=form, person=self.user, how="reset")
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("Your password is set. Sign in with your username, %(username)s, and your new password.")
            % {"username": self.user.get_username()},
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in person changes their own password, giving their current one. Under /accounts/, which
    is open before the second factor (agencies.middleware): here the second factor is asked for first."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")
    form_class = CurrentPasswordChangeForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if settings.MFA_REQUIRED and user.is_authenticated and not user.is_verified():
            return redirect(f"{reverse('mfa_verify')}?next={request.path}")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form) -> HttpResponse:
        sign_out_if_locked(self.request)  # then django-axes' middleware answers with the lockout page
        return super().form_invalid(form)

    def form_valid(self, form) -> HttpResponse:
        password_save(request=self.request, form=form, person=self.request.user, how="change")
        update_session_auth_hash(self.request, form.user)  # this session stays; the person's others end
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())
