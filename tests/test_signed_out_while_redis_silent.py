"""Signing out while Redis takes connections but does not answer (its process stopped, a failover under way)
ends the session for good: its copy in Redis, which could not be deleted then, answered again for the old
cookie once Redis came back with its data, signed in as before (auditportal.sessions)."""

import signal

from django.urls import reverse

from tests.test_redis_down import PASSWORD, on_private_redis


def test_a_session_signed_out_while_redis_is_silent_stays_ended_when_it_answers_again(
    client, settings, tmp_path, auditor
):
    redis = on_private_redis(settings, tmp_path)
    try:
        assert client.post(reverse("login"), {"username": auditor.username, "password": PASSWORD}).status_code == 302
        page = reverse("audits:my_returns")
        assert client.get(page).status_code == 200  # the session in Redis
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

        redis.proc.send_signal(signal.SIGSTOP)
        try:
            assert client.post(reverse("logout")).status_code == 302
        finally:
            redis.proc.send_signal(signal.SIGCONT)

        # Somebody who copied the cookie before (a shared computer, a proxy's log) tries it now.
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        response = client.get(page)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))

        # The person signs in again as usual.
        assert client.post(reverse("login"), {"username": auditor.username, "password": PASSWORD}).status_code == 302
        assert client.get(page).status_code == 200
    finally:
        redis.stop()
