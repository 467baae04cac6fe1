"""Giving the second factor starts a new session (a new key), as signing in with the password does:
a session cookie copied between the password and the code does not become a fully signed-in one."""

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.tests.test_account_journeys import current_code, enrolled, sign_in

pytestmark = pytest.mark.django_db


@override_settings(MFA_REQUIRED=True)
def test_the_code_gives_a_new_session_key_and_the_old_cookie_reads_nothing(client, auditor, audit):
    enrolled(auditor)
    sign_in(client)
    half_way = client.cookies["sessionid"].value  # signed in with the password only
    device = TOTPDevice.objects.get(user=auditor)

    done = client.post(reverse("mfa_verify"), {"code": current_code(device), "next": reverse("audits:my_returns")})

    assert done.status_code == 302 and done.url == reverse("audits:my_returns")
    assert client.cookies["sessionid"].value != half_way
    assert client.get(reverse("audits:my_returns")).status_code == 200  # still signed in, with both factors
    assert not Session.objects.filter(session_key=half_way).exists()
    client.cookies["sessionid"] = half_way  # the cookie copied half-way, replayed
    replayed = client.get(reverse("audits:my_returns"))
    assert replayed.status_code == 302 and replayed.url.startswith(reverse("login"))


@override_settings(MFA_REQUIRED=True)
def test_setting_up_the_app_gives_a_new_session_key_too(client, auditor, audit):
    sign_in(client)
    assert client.get(reverse("mfa_setup")).status_code == 200
    half_way = client.cookies["sessionid"].value
    device = TOTPDevice.objects.get(user=auditor, confirmed=False)

    done = client.post(reverse("mfa_setup"), {"code": current_code(device)})

    assert done.status_code == 302 and done.url == reverse("mfa_setup")
    assert client.cookies["sessionid"].value != half_way
    assert len(client.get(done.url).context["codes"]) == 10  # the recovery codes, kept in the new session
    assert not Session.objects.filter(session_key=half_way).exists()


@override_settings(MFA_REQUIRED=True)
def test_the_code_gives_a_new_csrf_token_too(client, auditor, audit):
    """As Django's login() does for the password: a CSRF token read between the password and the code (the
    two-factor page's form) is not the fully signed-in session's."""
    enrolled(auditor)
    sign_in(client)
    assert client.get(reverse("mfa_verify")).status_code == 200  # its form carries the token, set in its cookie
    half_way = client.cookies["csrftoken"].value
    device = TOTPDevice.objects.get(user=auditor)

    done = client.post(reverse("mfa_verify"), {"code": current_code(device), "next": reverse("audits:my_returns")})

    assert done.status_code == 302
    assert client.cookies["csrftoken"].value != half_way
