"""The password asked again of a signed-in person (confirming it before a sensitive action, changing it)
counts towards the sign-in lockout (django-axes), as the sign-in page does: with a session taken over,
it could otherwise be guessed there without limit. At the lockout the session ends too."""

import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from agencies.middleware import AUTH_AT
from agencies.models import AccessAction, AccessRecord

PASSWORD = "correct horse battery staple"  # agencies/tests/factories.py
NEW = "a brand new long passphrase 7"


def _signed_in(client, username: str) -> None:
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    session = client.session
    session[AUTH_AT] = time.time() - settings.RECENT_LOGIN_SECONDS - 1  # an action asks for the password
    session.save()


def _confirm(client, password: str):
    return client.post(reverse("reauthenticate"), {"password": password, "next": reverse("audits:my_returns")})


def _change(client, old: str):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": NEW, "new_password2": NEW})


def _still_signed_in(client) -> bool:
    return client.get(reverse("audits:my_returns")).status_code == 200


@pytest.mark.parametrize("attempt", [_confirm, _change], ids=["confirm", "change"])
def test_wrong_current_passwords_lock_the_account_and_end_the_session(client, auditor, audit, attempt):
    _signed_in(client, "auditor.a")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "a guess").status_code == 200
    assert AccessAttempt.objects.get(username="auditor.a").failures_since_start == settings.AXES_FAILURE_LIMIT - 1
    assert _still_signed_in(client)

    locked = attempt(client, "another guess")

    assert locked.status_code == 429 and b"Too many failed sign-in attempts" in locked.content
    assert not _still_signed_in(client)
    record = AccessRecord.objects.get(action=AccessAction.REFUSED, object_type="agencies.user")
    assert record.object_id == str(auditor.pk) and "signed out" in record.summary
    # Signing in again is paused too, even with the right password; nothing was changed.
    assert client.post(reverse("login"), {"username": "auditor.a", "password": PASSWORD}).status_code == 429
    auditor.refresh_from_db()
    assert auditor.check_password(PASSWORD)


def test_the_right_password_is_refused_while_the_account_is_locked(client, auditor, audit):
    _signed_in(client, "auditor.a")
    AccessAttempt.objects.create(
        username="auditor.a",
        ip_address="127.0.0.1",
        user_agent="",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    response = _confirm(client, PASSWORD)
    assert response.status_code == 429
    assert not _still_signed_in(client)


def test_the_right_password_clears_the_failures_counted(client, auditor, audit):
    _signed_in(client, "auditor.a")
    assert b"not your password" in _confirm(client, "a guess").content
    assert AccessAttempt.objects.filter(username="auditor.a").exists()

    response = _confirm(client, PASSWORD)

    assert response.status_code == 302 and response.url == reverse("audits:my_returns")
    assert time.time() - client.session[AUTH_AT] < 5
    assert not AccessAttempt.objects.filter(username="auditor.a").exists()


def test_the_passwords_typed_are_not_kept_with_the_failure(client, auditor, audit):
    """The administrator reads the attempts (Administration → Axes → Access attempts): the current and new
    passwords a wrong change posted are masked, as the sign-in page's password is."""
    _signed_in(client, "auditor.a")
    token = "t0kenFromTheForm" * 4  # as a browser posts it with every form
    client.post(
        reverse("password_change"),
        {
            "old_password": "almost my password",
            "new_password1": NEW,
            "new_password2": NEW,
            "csrfmiddlewaretoken": token,
        },
    )
    client.post(reverse("reauthenticate"), {"password": "almost my password too", "csrfmiddlewaretoken": token})

    kept = AccessAttempt.objects.get(username="auditor.a").post_data
    for typed in ("almost my password", NEW, token):
        assert typed not in kept
    assert "old_password=********************" in kept and "new_password1=********************" in kept
