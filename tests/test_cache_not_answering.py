"""A cache Redis that takes connections but does not answer (its process stopped, the machine swapping, a
failover under way): a signed-in page reads its session and the partnership's settings from the database
within a second or two, instead of waiting on Redis until gunicorn kills the web worker, and pages read
the cache again once Redis answers."""

import signal
import threading
import time

from django.urls import reverse

from agencies.models import Partnership
from tests.test_redis_down import on_private_redis, sign_in

# Well under gunicorn's default --timeout (30 s); the watchdog resumes Redis after it, so that a test
# run without the fix fails instead of hanging.
BOUND = 2.5
WATCHDOG = 15


def test_a_signed_in_page_answers_within_seconds_while_the_cache_redis_is_silent(
    client, settings, tmp_path, audit, auditor
):
    Partnership.objects.update_or_create(pk=1, defaults={"short_name": "WSCP"})
    settings.CACHE_SKIP_SECONDS = 2  # 30 in production; the test waits it out below
    page = reverse("audits:my_returns")
    redis = on_private_redis(settings, tmp_path)
    try:
        sign_in(client, auditor)
        assert client.get(page).status_code == 200  # the session and the settings now in Redis

        redis.proc.send_signal(signal.SIGSTOP)  # its port still takes connections; nothing answers
        watchdog = threading.Timer(WATCHDOG, redis.proc.send_signal, args=[signal.SIGCONT])
        watchdog.start()
        try:
            for _ in range(3):
                started = time.monotonic()
                response = client.get(page)
                seconds = time.monotonic() - started
                assert response.status_code == 200
                assert "WSCP" in response.content.decode()
                assert seconds < BOUND, f"a page took {seconds:.1f}s with the cache's Redis silent"
            # Monitoring is told, as quickly.
            started = time.monotonic()
            health = client.get(reverse("healthz"))
            assert health.status_code == 503 and time.monotonic() - started < BOUND
        finally:
            watchdog.cancel()
            redis.proc.send_signal(signal.SIGCONT)

        # Redis answers again: pages go on, signed in, and the cache is used again after the pause.
        time.sleep(settings.CACHE_SKIP_SECONDS)
        started = time.monotonic()
        response = client.get(page)
        assert response.status_code == 200 and time.monotonic() - started < BOUND
        assert "WSCP" in response.content.decode()
        from django.core.cache import cache

        cache.set("answers-again", 1)
        assert cache.get("answers-again") == 1
    finally:
        redis.stop()
