"""Account journeys with two-factor on: a lost phone, the recovery codes page, a session that ended
under a form, a recovery code used, the whole `next` kept, a deactivated account, the lockout page."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.mfa import mfa_confirm
from agencies.middleware import AUTH_AT
from agencies.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
LIST_WITH_QUERY = reverse("audits:my_returns") + "?q=exploitation&year=2017"


def sign_in(client, username: str = "auditor.a", password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrolled(user) -> list[str]:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return mfa_confirm(user=user, device=device)


def next_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["next"][0]


def set_up_app(client) -> TOTPDevice:
    """Open the set-up page and confirm its new key; the response is the redirect after."""
    assert client.get(reverse("mfa_setup")).status_code == 200
    return TOTPDevice.objects.get(confirmed=False)


@override_settings(MFA_REQUIRED=True)
def test_after_the_app_is_deleted_sign_in_goes_to_set_up_and_issues_fresh_codes(client, auditor, audit):
    old_codes = enrolled(auditor)
    TOTPDevice.objects.filter(user=auditor).delete()  # the administrator, after a lost phone

    sign_in(client)
    response = client.get(reverse("audits:my_returns"))
    response = client.get(response.url)  # the two-factor page sends them on: no app to ask a code of
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_setup"))
    page = client.get(response.url)
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    # A recovery code does not stand in for an app they no longer have.
    refused = client.post(reverse("mfa_verify"), {"code": old_codes[0]})
    assert refused.status_code == 302 and refused.url.startswith(reverse("mfa_setup"))

    device = TOTPDevice.objects.get(user=auditor, confirmed=False)
    client.post(reverse("mfa_setup"), {"code": current_code(device)})
    new_codes = client.get(reverse("mfa_setup")).context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert set(StaticToken.objects.filter(device__user=auditor).values_list("token", flat=True)) == set(new_codes)
    assert client.get(reverse("audits:my_returns")).status_code == 200


@override_settings(MFA_REQUIRED=True)
def test_refreshing_or_resending_the_recovery_codes_page_changes_nothing(client, auditor, audit):
    sign_in(client)
    device = set_up_app(client)
    done = client.post(reverse("mfa_setup"), {"code": current_code(device), "next": LIST_WITH_QUERY})
    assert done.status_code == 302 and done.url == reverse("mfa_setup")  # Post/Redirect/Get
    shown = client.get(done.url)
    codes = shown.context["codes"]
    assert len(codes) == 10 and LIST_WITH_QUERY.replace("&", "&amp;").encode() in shown.content

    again = client.get(reverse("mfa_setup"))  # refresh, or Back from the next page
    assert again.context["codes"] == codes and b"not right" not in again.content
    resent = client.post(reverse("mfa_setup"), {"code": current_code(device)})  # a double press
    assert resent.status_code == 302 and b"not right" not in resent.content
    assert list(TOTPDevice.objects.filter(user=auditor).values_list("pk", "confirmed")) == [(device.pk, True)]
    assert set(StaticToken.objects.filter(device__user=auditor).values_list("token", flat=True)) == set(codes)


def test_the_set_up_page_does_not_offer_recovery_codes_before_there_are_any(client, auditor, audit):
    client.force_login(auditor)
    page = client.get(reverse("mfa_setup"))
    assert b"recovery code" not in page.content.lower()


@override_settings(MFA_REQUIRED=True)
def test_a_recovery_code_says_how_many_are_left_and_links_to_set_up_a_new_app(client, auditor, audit):
    codes = enrolled(auditor)
    sign_in(client)
    ok = client.post(reverse("mfa_verify"), {"code": codes[0], "next": LIST_WITH_QUERY})
    assert ok.status_code == 302 and ok.url == LIST_WITH_QUERY
    page = client.get(ok.url)
    link = f"{reverse('mfa_setup')}?{urlencode({'next': LIST_WITH_QUERY})}".replace("&", "&amp;")
    assert b"You used a recovery code; 9 left." in page.content
    assert f'<a href="{link}">Set up your authenticator app again</a>'.encode() in page.content
    # Signed in with two factors, they can replace the app from any page.
    assert f'href="{reverse("mfa_setup")}"'.encode() in page.content
    replace = client.get(reverse("mfa_setup"))
    assert replace.status_code == 200 and b"Replace your authenticator app" in replace.content


@override_settings(MFA_REQUIRED=True)
def test_the_whole_next_survives_sign_in_and_set_up(client, auditor, audit):
    sign_in(client)
    to_verify = client.get(LIST_WITH_QUERY)
    assert next_of(to_verify.url) == LIST_WITH_QUERY
    to_setup = client.get(to_verify.url)
    assert next_of(to_setup.url) == LIST_WITH_QUERY
    device = set_up_app(client)
    client.post(to_setup.url, {"code": current_code(device), "next": next_of(to_setup.url)})
    shown = client.get(reverse("mfa_setup")).context
    assert shown["next"] == LIST_WITH_QUERY

    # Replacing the app asks for the current one first, and comes back to set-up with its next.
    client.logout()
    sign_in(client)
    setup_url = f"{reverse('mfa_setup')}?{urlencode({'next': LIST_WITH_QUERY})}"
    asked = client.get(setup_url)
    assert asked.url.startswith(reverse("mfa_verify")) and next_of(asked.url) == setup_url
    # Another site's address is never followed.
    outside = client.post(reverse("mfa_verify"), {"code": shown["codes"][0], "next": "https://evil.example/"})
    assert outside.status_code == 302 and outside.url == reverse("home")


@pytest.mark.parametrize("ended", ["idle", "12 hours"])
def test_a_form_sent_after_the_session_ended_says_so_and_returns_to_its_page(client, auditor, audit, settings, ended):
    sign_in(client)
    if ended == "idle":
        client.session.delete()  # what the idle limit does: the stored session is gone
    else:
        session = client.session
        session[AUTH_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
        session.save()
    post_only = reverse("briefings:feedback_create", args=[1])
    response = client.post(post_only, {"comment": "typed"}, HTTP_REFERER=f"http://testserver{LIST_WITH_QUERY}")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert next_of(response.url) == LIST_WITH_QUERY
    login_page = client.get(response.url)
    assert b"You were signed out, so what you sent was not saved." in login_page.content
    back = sign_in(client, next=next_of(response.url))
    assert back.status_code == 302 and back.url == LIST_WITH_QUERY
    assert client.get(back.url).status_code == 200


def test_a_form_sent_after_the_session_ended_from_another_site_goes_home(client, auditor, audit):
    sign_in(client)
    client.session.delete()
    post_only = reverse("briefings:feedback_create", args=[1])
    response = client.post(post_only, {"comment": "typed"}, HTTP_REFERER="https://evil.example/page/")
    assert next_of(response.url) == reverse("home")


def test_a_page_opened_after_the_session_ended_says_so_but_signing_out_does_not(client, auditor, audit):
    sign_in(client)
    client.session.delete()
    response = client.get(LIST_WITH_QUERY)
    assert next_of(response.url) == LIST_WITH_QUERY
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Your session has ended. Please sign in again."]
    assert b"Your session has ended." in client.get(response.url).content

    sign_in(client)
    signed_out = client.post(reverse("logout"))
    assert signed_out.url == reverse("login")
    assert not list(get_messages(signed_out.wsgi_request))


def test_a_deactivated_account_is_told_so_only_with_the_right_password(client, auditor, audit):
    sign_in(client)
    auditor.is_active = False
    auditor.save(update_fields=["is_active"])
    assert client.get(reverse("audits:my_returns")).status_code == 302

    wrong = sign_in(client, password="not the password")
    assert b"not active" not in wrong.content and b"correct username and password" in wrong.content
    attempts = AccessAttempt.objects.get().failures_since_start
    right = sign_in(client)
    assert right.status_code == 200 and b"Your account is not active." in right.content
    assert b"correct username and password" not in right.content
    assert AccessAttempt.objects.get().failures_since_start == attempts  # the right password is no failure
    assert client.get(reverse("audits:my_returns")).url.startswith(reverse("login"))


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=2)
def test_the_lockout_page_states_the_configured_rule_and_links_back_to_sign_in(client, db):
    UserFactory(username="target")
    for _ in range(3):
        response = sign_in(client, "target", "wrong password")
    assert response.status_code == 429
    text = " ".join(response.content.decode().split())
    assert "paused after 3 wrong passwords for 2 hours." in text
    assert f'href="{reverse("login")}"' in text
