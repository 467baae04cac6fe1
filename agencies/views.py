import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_safe
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice

from . import mfa
from .decorators import has_kept_fields
from .forms import AccessLogFilterForm, LoginForm, ReauthenticateForm, SetupTokenForm, TokenForm
from .middleware import AUTH_AT
from .selectors import access_records_matching, summary_without_case_content, user_capabilities

logger = logging.getLogger(__name__)


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path or a URL of this site only: redirect() would look up anything else (e.g. "0") as a URL name.
    is_url = target.startswith(("/", "http://", "https://"))
    if is_url and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their role starts from."""
    caps = user_capabilities(request.user)
    if caps.runs_audits:
        return redirect("audits:audit_list")
    if caps.auditor:
        return redirect("audits:my_returns")
    if caps.reader:
        return redirect("briefings:library")
    if caps.administrator:
        return render(request, "agencies/admin_home.html")
    return render(request, "agencies/no_role.html")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


# The recovery codes just issued, shown again (refresh, Back) for a while after set-up instead of a new key.
NEW_CODES = "mfa_new_codes"
NEW_CODES_SECONDS = 10 * 60


def _fresh_new_codes(request: HttpRequest) -> dict | None:
    new = request.session.get(NEW_CODES)
    if new and time.time() - new["at"] <= NEW_CODES_SECONDS:
        return new
    request.session.pop(NEW_CODES, None)
    return None


def _say_recovery_code_used(request: HttpRequest, next_url: str) -> None:
    left = mfa.recovery_codes_left(request.user)
    text = ngettext("You used a recovery code; %(count)d left.", "You used a recovery code; %(count)d left.", left) % {
        "count": left
    }
    link = _("Set up your authenticator app again")
    messages.warning(request, format_html('{} <a href="{}">{}</a>', text, _with_next("mfa_setup", next_url), link))


@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the second factor. Someone with no authenticator app (none yet, or an administrator
    deleted it after a lost phone) is sent to set one up: a recovery code stands in for the app only
    while there is one."""
    next_url = _safe_next(request)
    if not mfa.has_authenticator(request.user):
        return redirect(_with_next("mfa_setup", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                _say_recovery_code_used(request, next_url)
            return redirect(next_url)
        form.add_error(
            "code",
            _(
                "That code is not right. Check your app's clock, or use a recovery code. After a wrong code, wait a few seconds before the next try."
            ),
        )
    return render(request, "registration/mfa_verify.html", {"form": form, "next": next_url})


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app, or replace it (which needs the current second factor first).

    Confirming issues fresh recovery codes and redirects to this page, which shows them (Post/Redirect/
    Get) for NEW_CODES_SECONDS: a refresh or Back shows the same codes, not a new key that would
    replace the app and void the codes just written down."""
    user = request.user
    replacing = mfa.has_authenticator(user)
    if replacing and not user.is_verified():
        return redirect(_with_next("mfa_verify", request.get_full_path()))
    new = _fresh_new_codes(request)
    if new is not None:
        if request.method == "POST":
            return redirect("mfa_setup")
        return render(request, "registration/mfa_recovery_codes.html", {"codes": new["codes"], "next": new["next"]})
    next_url = _safe_next(request)
    device = mfa.totp_device_pending(user)
    form = SetupTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = mfa.mfa_confirm(user=user, device=device)
            otp_login(request, device)
            request.session[NEW_CODES] = {"codes": codes, "next": next_url, "at": time.time()}
            return redirect("mfa_setup")
        form.add_error(
            "code", _("That code is not right. Scan the QR code again and enter the code your app shows now.")
        )
    context = {
        "form": form,
        "qr": mfa.qr_data_uri(device),
        "secret": mfa.secret_for_manual_entry(device),
        "next": next_url,
        "replacing": replacing,
    }
    return render(request, "registration/mfa_setup.html", context)


@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    form = ReauthenticateForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[AUTH_AT] = time.time()
        back = _safe_next(request)
        if has_kept_fields(request, back):
            messages.success(request, _("Thank you."))  # the page says what it kept (recent_login_restored)
        else:
            messages.success(request, _("Thank you. Please repeat what you were doing."))
        return redirect(back)
    return render(request, "registration/reauthenticate.html", {"form": form, "next": _safe_next(request)})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.get("healthz")  # one round trip to Redis (a key nobody writes)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For the proxy and monitoring: 200 when the database and the cache both answer, else 503 saying
    which does not (every page needs both: the cache holds the sessions)."""
    report = {}
    for name, check in (("database", _check_database), ("cache", _check_cache)):
        try:
            check()
            report[name] = "ok"
        except Exception as error:
            logger.warning("healthz: the %s does not answer: %r", name, error)
            report[name] = "error"
    healthy = all(value == "ok" for value in report.values())
    body = {"status": "ok" if healthy else "error", **report, "demo": settings.DEMO}
    return JsonResponse(body, status=200 if healthy else 503)


@login_required
@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    """Who saw or changed what: for the QA manager and the administrator only.

    The administrator has no access to case content, so records about audits and briefings are shown
    to them without their summaries (who, when, what kind of object, which page), and searched
    without them."""
    if not (request.user.is_qa_manager or request.user.is_administrator):
        raise Http404
    case_summaries = request.user.is_qa_manager
    form = AccessLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    records = access_records_matching(**{k: v for k, v in filters.items() if v}, case_summaries=case_summaries)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    for record in page:
        record.shown_summary = record.summary if case_summaries or summary_without_case_content(record) else ""
    context = {"form": form, "page": page, "case_summaries": case_summaries}
    return render(request, "agencies/access_log.html", context)
