"""Sign-in security: two-factor authentication, lockout, session limits, recent sign-in."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.decorators import recent_login_required
from agencies.middleware import AUTH_AT, RENEWED_AT
from agencies.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@override_settings(MFA_REQUIRED=True)
def test_first_sign_in_must_set_up_an_authenticator_then_gets_recovery_codes(client, auditor, audit):
    assert sign_in(client, "auditor.a").status_code == 302
    # Every page but the two-factor ones is closed until the second step is done.
    response = client.get(reverse("audits:my_returns"))
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_setup"))
    page = client.get(reverse("mfa_setup"))
    assert b"data:image/svg+xml;base64," in page.content
    device = TOTPDevice.objects.get(user=auditor, confirmed=False)

    wrong = client.post(reverse("mfa_setup"), {"code": "000000" if current_code(device) != "000000" else "111111"})
    assert b"That code is not right" in wrong.content
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    # django-otp throttles: after a wrong code the next try must wait a second.
    time.sleep(1.1)

    done = client.post(reverse("mfa_setup"), {"code": current_code(device)})
    assert done.status_code == 302
    assert len(client.get(done.url).context["codes"]) == 10
    assert client.get(reverse("audits:my_returns")).status_code == 200


@override_settings(MFA_REQUIRED=True)
def test_next_sign_in_asks_for_a_code_and_a_recovery_code_works_once(client, auditor, audit):
    client.force_login(auditor)
    device = TOTPDevice.objects.create(user=auditor, name="app", confirmed=False)
    from agencies.mfa import mfa_confirm

    codes = mfa_confirm(user=auditor, device=device)
    client.logout()

    sign_in(client, "auditor.a")
    assert client.get(reverse("audits:my_returns")).status_code == 302
    assert b"not right" in client.post(reverse("mfa_verify"), {"code": "12345678"}).content
    time.sleep(1.1)
    ok = client.post(reverse("mfa_verify"), {"code": codes[0], "next": reverse("audits:my_returns")})
    assert ok.status_code == 302 and ok.url == reverse("audits:my_returns")
    assert client.get(reverse("audits:my_returns")).status_code == 200

    client.logout()
    sign_in(client, "auditor.a")
    reused = client.post(reverse("mfa_verify"), {"code": codes[0]})
    assert b"not right" in reused.content
    time.sleep(2.1)
    ok = client.post(reverse("mfa_verify"), {"code": current_code(TOTPDevice.objects.get(user=auditor))})
    assert ok.status_code == 302


@override_settings(MFA_REQUIRED=True)
def test_json_requests_without_second_factor_get_401_not_a_redirect(client, auditor, audit):
    sign_in(client, "auditor.a")
    response = client.get(reverse("audits:my_returns"), HTTP_ACCEPT="application/json")
    assert response.status_code == 401


@override_settings(MFA_REQUIRED=False)
def test_demo_mode_needs_no_second_factor(client, auditor, audit):
    sign_in(client, "auditor.a")
    assert client.get(reverse("audits:my_returns")).status_code == 200


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client, db):
    UserFactory(username="target")
    for _ in range(4):
        assert sign_in(client, "target", "wrong password").status_code == 200
    locked = sign_in(client, "target", "wrong password")
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    # Even the right password is refused while locked.
    assert sign_in(client, "target").status_code == 429
    # The administrator's unlock path: removing the attempts in the admin (or `axes_reset_username`).
    AccessAttempt.objects.filter(username="target").delete()
    assert sign_in(client, "target").status_code == 302


def test_sign_in_starts_a_new_session(client, auditor):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    sign_in(client, "auditor.a")
    assert client.cookies["sessionid"].value != (before.value if before else None)


def test_sessions_are_read_from_redis_and_signing_out_ends_the_cached_copy_too(client, auditor, audit, settings):
    assert settings.SESSION_ENGINE == "auditportal.sessions"  # cached_db, reading the database when Redis is down
    sign_in(client, "auditor.a")
    url = reverse("audits:my_returns")
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]

    cookie = client.cookies["sessionid"].value
    assert client.post(reverse("logout")).status_code == 302
    assert caches[settings.SESSION_CACHE_ALIAS].get(cached_db.KEY_PREFIX + cookie) is None
    assert not Session.objects.filter(session_key=cookie).exists()
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_signed_in_person_is_read_with_their_agency_and_deactivation_ends_their_session(
    client, auditor, audit, settings
):
    assert settings.AUTHENTICATION_BACKENDS[-1] == "agencies.backends.PortalBackend"
    sign_in(client, "auditor.a")
    url = reverse("audits:my_returns")
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    user_queries = [q["sql"] for q in queries.captured_queries if 'FROM "agencies_user"' in q["sql"]]
    assert len(user_queries) == 1 and 'JOIN "agencies_agency"' in user_queries[0]
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "agencies_agency"')]

    auditor.is_active = False
    auditor.save(update_fields=["is_active"])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_session_ends_12_hours_after_sign_in_however_active(client, auditor, audit, settings):
    sign_in(client, "auditor.a")
    session = client.session
    session[AUTH_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("audits:my_returns"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("audits:my_returns")).status_code == 302


def _stored_expiry(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date


def _cached_ttl(client, settings) -> int | None:
    """Seconds the cached copy of the session has left in Redis (None: sessions are not cached)."""
    cache = caches[settings.SESSION_CACHE_ALIAS]
    if not hasattr(cache, "_cache") or not hasattr(cache._cache, "get_client"):
        return None  # the memory cache (no CACHE_URL): no Redis to ask
    key = cache.make_and_validate_key(cached_db.KEY_PREFIX + client.cookies["sessionid"].value)
    return cache._cache.get_client(key).ttl(key)


def _idle_past_the_limit(client, settings):
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    # ...and the cached copy's time to live, which is the same idle limit, has run out too.
    caches[settings.SESSION_CACHE_ALIAS].delete(cached_db.KEY_PREFIX + key)


def test_idle_limit_is_30_minutes_and_activity_renews_it_at_most_once_a_minute(client, auditor, audit, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_RENEW_SECONDS == 60
    sign_in(client, "auditor.a")
    url = reverse("audits:my_returns")
    assert client.get(url).status_code == 200
    expiry = _stored_expiry(client)
    assert abs((expiry - timezone.now()).total_seconds() - 30 * 60) < 10
    ttl = _cached_ttl(client, settings)
    assert ttl is None or 30 * 60 - 10 < ttl <= 30 * 60

    # Within the minute: no write to the session, no new cookie.
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=expiry - timedelta(minutes=5)
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and "sessionid" not in response.cookies
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert _stored_expiry(client) == expiry - timedelta(minutes=5)

    # A minute after the last renewal, the next request renews the stored expiry and the cookie.
    session = client.session
    session[RENEWED_AT] = time.time() - 61
    session.save()
    response = client.get(url)
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    assert abs((_stored_expiry(client) - timezone.now()).total_seconds() - 30 * 60) < 10
    ttl = _cached_ttl(client, settings)
    assert ttl is None or 30 * 60 - 10 < ttl <= 30 * 60

    # Idle past the limit: the stored session has expired and the person signs in again.
    _idle_past_the_limit(client, settings)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_sensitive_action_needs_a_recent_sign_in(rf, client, auditor, settings):
    sign_in(client, "auditor.a")
    calls = []

    @recent_login_required
    def sensitive(request):
        calls.append(request)
        from django.http import HttpResponse

        return HttpResponse("done")

    request = rf.post("/audits/x/accept/", HTTP_REFERER="http://testserver/audits/x/")
    request.user = auditor
    request.session = client.session
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    assert sensitive(request).content == b"done"

    request.session[AUTH_AT] = time.time() - settings.RECENT_LOGIN_SECONDS - 1
    refused = sensitive(request)
    assert refused.status_code == 302
    assert refused.url.startswith(reverse("reauthenticate"))
    assert "next=http%3A%2F%2Ftestserver%2Faudits%2Fx%2F" in refused.url
    assert len(calls) == 1


def test_reauthenticate_refreshes_the_sign_in_time(client, auditor, settings):
    sign_in(client, "auditor.a")
    session = client.session
    session[AUTH_AT] = time.time() - settings.RECENT_LOGIN_SECONDS - 1
    session.save()
    assert b"not your password" in client.post(reverse("reauthenticate"), {"password": "nope"}).content
    response = client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": "/audits/my-returns/"})
    assert response.status_code == 302 and response.url == "/audits/my-returns/"
    assert time.time() - client.session[AUTH_AT] < 5


@pytest.mark.parametrize(
    "path", ["/accounts/two-factor/", "/accounts/two-factor/setup/", "/accounts/confirm-password/"]
)
def test_account_pages_need_a_signed_in_user(client, path, db):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _stale_sign_in(client, settings) -> None:
    session = client.session
    session[AUTH_AT] = time.time() - settings.RECENT_LOGIN_SECONDS - 1
    session.save()


@pytest.mark.parametrize("name", ["audits:export_csv", "audits:export_xlsx"])
def test_exports_need_a_recent_sign_in(client, qa_manager, audit, settings, name):
    client.force_login(qa_manager)
    _stale_sign_in(client, settings)
    url = reverse(name, args=[audit.slug])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("reauthenticate"))
    client.post(reverse("reauthenticate"), {"password": PASSWORD})
    assert client.get(url).status_code == 200


def test_accepting_a_return_needs_a_recent_sign_in(client, qa_manager, audit, settings):
    from audits.models import PartAReturn, ReturnStatus

    ret = PartAReturn.objects.filter(audit=audit).first()
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED)
    ret.refresh_from_db()
    client.force_login(qa_manager)
    _stale_sign_in(client, settings)
    url = reverse("audits:return_review", args=[ret.pk])
    response = client.post(url, {"action": "accept", "version": ret.version, "comment": ""})
    assert response.status_code == 302 and response.url.startswith(reverse("reauthenticate"))
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    client.post(reverse("reauthenticate"), {"password": PASSWORD})
    client.post(url, {"action": "accept", "version": ret.version, "comment": ""})
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.ACCEPTED


@pytest.mark.parametrize("target", ["0", "home", "a\x00b", "//evil.example/"])
def test_reauthenticate_with_a_next_that_is_not_a_path_goes_home(client, auditor, target):
    # Found by tests/test_fuzz.py: redirect() looked a bare word up as a URL name, and "0" was a 500.
    client.force_login(auditor)
    response = client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": target})
    assert response.status_code == 302 and response.url == reverse("home")


def test_a_username_longer_than_the_column_is_refused_by_the_form(client, auditor):
    # Found by tests/test_fuzz.py: AuthenticationForm never checked the length, so authenticate() ran and
    # django-axes wrote the failure into a 255-character column: a 500 on PostgreSQL.
    response = sign_in(client, "a" * 300)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not AccessAttempt.objects.exists()


def test_menu_reads_assignments_at_sign_in_and_at_each_renewal_not_per_page(client, other_lead, audit, settings):
    """The navigation's "leads an audit?" is kept in the session (agencies.selectors
    navigation_capabilities): a new assignment shows within the renewal interval; the page itself,
    checked per object, is open to the new lead officer at once."""
    client.force_login(other_lead)
    audits_link = f'href="{reverse("audits:audit_list")}"'
    assert audits_link not in client.get(reverse("briefings:library")).content.decode()
    audit.lead_officer = other_lead
    audit.save()
    # Not in the menu yet, and no query asked…
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("briefings:library")).content.decode()
    assert audits_link not in html
    assert not [q for q in queries.captured_queries if "audits_audit" in q["sql"] and "EXISTS" in q["sql"]]
    # …but the audit's own pages check the assignment itself.
    assert client.get(reverse("audits:dashboard", args=[audit.slug])).status_code == 200
    # At the next renewal the menu catches up.
    session = client.session
    session[RENEWED_AT] = time.time() - settings.SESSION_RENEW_SECONDS - 1
    session.save()
    assert audits_link in client.get(reverse("briefings:library")).content.decode()
