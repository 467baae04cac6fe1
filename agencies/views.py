import csv
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST, require_safe
from django_otp import login as django_otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice

from . import mfa
from .decorators import ask_to_reauthenticate, has_kept_fields, signed_in_recently
from .forms import AccessLogFilterForm, LoginForm, ProfileForm, ReauthenticateForm, SetupTokenForm, TokenForm
from .middleware import AUTH_AT
from .passwords import sign_out_if_locked
from .selectors import (
    access_records_matching,
    first_steps,
    leavers_addresses,
    mails_not_sent,
    summary_without_case_content,
    user_capabilities,
)
from .services import AccessAction, access_record, profile_update, sign_in_record, sign_out_record

logger = logging.getLogger(__name__)


def _can_use_pages(user) -> bool:
    """Signed in completely: with the second factor too where it is required (MFARequiredMiddleware)."""
    return user.is_authenticated and (not settings.MFA_REQUIRED or user.is_verified())


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        if not settings.MFA_REQUIRED:  # else it is recorded after the second factor (otp_login)
            sign_in_record(request=self.request)
        return response


class PortalLogoutView(auth_views.LogoutView):
    """Signing out, recorded in the access log when the sign-in was (complete: not half-way, before the
    second factor). Sessions ended otherwise (left idle, the 12-hour limit, the account deactivated) are not."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _can_use_pages(request.user):
            sign_out_record(request=request)
        return super().post(request, *args, **kwargs)


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
        context = {
            "first_steps": first_steps(request.user),
            "leavers_addresses": leavers_addresses(),
            "mails_not_sent": mails_not_sent(),
        }
        return render(request, "agencies/admin_home.html", context)
    return render(request, "agencies/no_role.html")


@login_required
@require_POST
def mail_retry(request: HttpRequest) -> HttpResponse:
    """The administrator's "Try them again" under "E-mails not sent" on their home page: each is published
    again, with its task's retries, recorded in the access log (agencies.outbox.mail_retry_failed)."""
    from .outbox import mail_retry_failed

    if not request.user.is_administrator:
        access_record(
            request=request,
            action=AccessAction.REFUSED,
            object_type="agencies.outboxmessage",
            summary="E-mails not sent",
        )
        raise Http404
    count = mail_retry_failed(request=request)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d e-mail is being tried again. If it fails again, it is listed here again in about half an hour.",
                "%(count)d e-mails are being tried again. If they fail again, they are listed here again in about half an hour.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("There were no e-mails to try again."))
    return redirect("home")


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


def otp_login(request: HttpRequest, device) -> None:
    """The second factor given: the session, signed in with both factors from now on, under a new key (as
    Django's login() gives one for the password), so that a session cookie taken between the password and
    the code (a shared computer, a proxy's log) is not the cookie of the fully signed-in session, nor the CSRF
    token read on the way."""
    signing_in = not _can_use_pages(request.user)  # not a code given again, or an app replaced, once signed in
    django_otp_login(request, device)
    request.session.cycle_key()
    rotate_token(request)  # and a new CSRF token, as login() gives
    if signing_in and _can_use_pages(request.user):
        sign_in_record(request=request, device=device)


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
            codes = mfa.mfa_set_up(request=request, user=user, device=device)
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
    form = ReauthenticateForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        request.session[AUTH_AT] = time.time()
        back = _safe_next(request)
        if has_kept_fields(request, back):
            messages.success(request, _("Thank you."))  # the page says what it kept (recent_login_restored)
        else:
            messages.success(request, _("Thank you. Please repeat what you were doing."))
        return redirect(back)
    if request.method == "POST":
        sign_out_if_locked(request)  # then django-axes' middleware answers with the lockout page
    return render(request, "registration/reauthenticate.html", {"form": form, "next": _safe_next(request)})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own account, as the portal knows it, and their own choices (ProfileForm)."""
    person = request.user
    # An unticked box is not sent: a POST with nothing in it is still a POST (not `request.POST or None`).
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, initial={"new_briefing_emails": person.new_briefing_emails})
    if request.method == "POST" and form.is_valid():
        if profile_update(request=request, person=person, values=form.cleaned_data):
            messages.success(request, _("Your choices are saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("profile")
    return render(request, "agencies/profile.html", {"form": form, "person": person})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.get("healthz")  # one round trip to Redis (a key nobody writes)


def _check_static() -> None:
    from auditportal.checks import static_manifest_missing

    if static_manifest_missing():  # no collectstatic: every page fails (read at start, no I/O here)
        raise RuntimeError("no static files manifest: run collectstatic, then restart")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For the proxy and monitoring: 200 when the database and the cache both answer and the static
    files were collected, else 503 saying which is wrong (every page needs all three: the cache holds
    the sessions)."""
    report = {}
    checks = (("database", _check_database), ("cache", _check_cache), ("static", _check_static))
    for name, check in checks:
        try:
            check()
            report[name] = "ok"
        except Exception as error:
            logger.warning("healthz: %s not ok: %r", name, error)
            report[name] = "error"
    healthy = all(value == "ok" for value in report.values())
    body = {"status": "ok" if healthy else "error", **report, "demo": settings.DEMO}
    return JsonResponse(body, status=200 if healthy else 503)


@login_required
@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    """Who saw or changed what: for the QA manager and the administrator only, filtered by person,
    audit, kind of object, action, dates and text, and downloaded as CSV as filtered.

    The administrator has no access to case content, so records about audits and briefings are shown
    to them without their summaries (who, when, what kind of object, which audit, which page), and
    searched without them."""
    if not (request.user.is_qa_manager or request.user.is_administrator):
        # Who tried to read who saw what is recorded, as every refused access to a protected page is.
        access_record(
            request=request, action=AccessAction.REFUSED, object_type="agencies.accessrecord", summary="Access log"
        )
        raise Http404
    case_summaries = request.user.is_qa_manager
    form = AccessLogFilterForm(request.GET or None, case_summaries=case_summaries)
    valid = form.is_valid()
    filters = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if value}
    records = access_records_matching(**filters, case_summaries=case_summaries)
    if request.GET.get("download") == "csv" and valid:
        if not signed_in_recently(request):
            return ask_to_reauthenticate(request, request.get_full_path())
        return _access_log_csv(request, records, filters, case_summaries=case_summaries)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    for record in page:
        record.shown_summary = _shown_summary(record, case_summaries)
    query = request.GET.copy()
    query.pop("page", None)
    query["download"] = "csv"
    context = {"form": form, "page": page, "case_summaries": case_summaries, "csv_query": query.urlencode()}
    return render(request, "agencies/access_log.html", context)


def _shown_summary(record, case_summaries: bool) -> str:
    return record.summary if case_summaries or summary_without_case_content(record) else ""


class _Echo:
    def write(self, value: str) -> str:
        return value


ACCESS_LOG_CSV_HEADER = ("When", "Who", "Action", "Kind of object", "Object", "Audit", "What", "Page", "From")


def _local_time_with_offset(at) -> str:
    """Local time with its offset from UTC, "2026-10-25 01:30:00 +01:00": the night the clocks go back,
    01:00 to 02:00 comes twice (BST, then GMT), and the offset tells the two apart."""
    local = timezone.localtime(at)
    minutes = int(local.utcoffset().total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{local:%Y-%m-%d %H:%M:%S} {sign}{hours:02d}:{minutes:02d}"


def _access_log_csv(request: HttpRequest, records, filters: dict, *, case_summaries: bool) -> StreamingHttpResponse:
    """The records as filtered, as CSV (each cell safe from spreadsheet formulas), the download itself
    recorded with its filters. What was searched for is left out of that record, which the administrator
    reads: only that there was a search."""
    from audits.exports import safe_cell

    described = [f"{name.replace('_', ' ')} {_filter_text(value)}" for name, value in filters.items() if name != "q"]
    if "q" in filters:
        described.append("a text search")
    summary = "Access log downloaded as CSV" + (f": {', '.join(described)}" if described else "")
    recorded = {name: _filter_text(value) for name, value in filters.items() if name != "q"}
    path = f"{reverse('access_log')}?{urlencode({**recorded, 'download': 'csv'})}"
    access_record(
        request=request, action=AccessAction.EXPORT, object_type="agencies.accessrecord", summary=summary, path=path
    )

    def lines():
        writer = csv.writer(_Echo())
        yield "\ufeff"  # a byte-order mark, so that Excel reads the file as UTF-8
        yield writer.writerow(ACCESS_LOG_CSV_HEADER)
        for record in records.iterator(chunk_size=2000):
            row = (
                _local_time_with_offset(record.at),
                record.username,
                record.get_action_display(),
                record.object_type,
                record.object_id,
                record.audit.slug if record.audit else "",
                _shown_summary(record, case_summaries),
                record.path,
                record.ip_address or "",
            )
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


def _filter_text(value) -> str:
    """A filter's value as the record of a download names it: an audit by its slug, a date as ISO."""
    return getattr(value, "slug", None) or (value.isoformat() if hasattr(value, "isoformat") else str(value))
