"""Deactivating an account ends its sessions for good: made active again, even within the 30-minute idle
limit, the old session (perhaps on a shared or lost device) gets the sign-in page, not the portal. Other
people's sessions go on, and the person signs in afresh. With either session engine: cached_db (with
CACHE_URL, and in the tests) and the database's (without)."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.mfa import mfa_confirm
from agencies.models import AccessRecord, User
from agencies.tests.test_account_journeys import PASSWORD, sign_in
from agencies.tests.test_admin import change_url, user_form

MY_RETURNS = reverse("audits:my_returns")


@pytest.fixture(params=["auditportal.sessions", "django.contrib.sessions.backends.db"])
def engine(request, settings):
    settings.MFA_REQUIRED = True
    settings.SESSION_ENGINE = request.param
    return request.param


def recovery_codes(user: User) -> list[str]:
    return mfa_confirm(user=user, device=TOTPDevice.objects.create(user=user, name="app", confirmed=False))


def signed_in(person: User, code: str) -> Client:
    """A browser of the person's, through the sign-in page and the second factor (a recovery code)."""
    browser = Client()
    assert sign_in(browser, person.username).status_code == 302
    verified = browser.post(reverse("mfa_verify"), {"code": code, "next": MY_RETURNS})
    assert verified.status_code == 302 and verified.url == MY_RETURNS
    return browser


def test_a_session_from_before_a_deactivation_is_refused_after_reactivation(
    engine, auditor, other_auditor, it_admin, audit
):
    codes = recovery_codes(auditor)
    browser = signed_in(auditor, codes[0])
    old_cookie = browser.cookies["sessionid"].value
    assert browser.get(MY_RETURNS).status_code == 200
    colleague = signed_in(other_auditor, recovery_codes(other_auditor)[0])
    admin = signed_in(it_admin, recovery_codes(it_admin)[0])

    deactivate = user_form(auditor)
    deactivate.pop("is_active")
    assert admin.post(change_url(auditor), deactivate).status_code == 302
    assert not User.objects.get(pk=auditor.pk).is_active
    assert admin.post(change_url(auditor), user_form(auditor)).status_code == 302  # within the idle limit
    assert User.objects.get(pk=auditor.pk).is_active
    recorded = AccessRecord.objects.filter(summary__startswith=f"Access of {auditor.username} changed")
    assert [r.summary.split(": ", 1)[1] for r in recorded.order_by("pk")] == [
        "is active yes → no",
        "is active no → yes",
    ]

    browser.cookies["sessionid"] = old_cookie  # the old session, on the device it was left on
    refused = browser.get(MY_RETURNS)
    assert refused.status_code == 302 and refused.url.startswith(reverse("login"))
    assert b'name="password"' in browser.get(refused.url).content
    assert not Session.objects.filter(session_key=old_cookie).exists()  # gone, not just refused once
    browser.cookies["sessionid"] = old_cookie
    assert browser.get(MY_RETURNS).status_code == 302

    assert colleague.get(MY_RETURNS).status_code == 200  # nobody else is signed out
    assert admin.get(change_url(auditor)).status_code == 200

    again = signed_in(auditor, codes[1])  # the person signs in afresh
    assert again.get(MY_RETURNS).status_code == 200


def test_after_reactivation_the_session_follows_the_password_and_the_secret_key_as_before(
    engine, auditor, audit, settings
):
    codes = recovery_codes(auditor)
    before = signed_in(auditor, codes[0])
    auditor.is_active = False
    auditor.save(update_fields=["is_active"])  # deactivated other than in the admin's form
    auditor.is_active = True
    auditor.save(update_fields=["is_active"])
    assert before.get(MY_RETURNS).status_code == 302

    browser, other_device = signed_in(auditor, codes[1]), signed_in(auditor, codes[2])
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]  # the secret key rotated: nobody is signed out
    settings.SECRET_KEY = "a new secret key for the tests, long enough to be one"
    assert browser.get(MY_RETURNS).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert browser.get(MY_RETURNS).status_code == 200

    new = "a different and much longer passphrase"
    changed = browser.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert changed.status_code == 302
    assert browser.get(MY_RETURNS).status_code == 200  # the session the password was changed in stays
    assert other_device.get(MY_RETURNS).status_code == 302  # the person's others end
