"""A Redis broker that takes connections but does not answer (the process stopped, the machine swapping, a
failover under way): a request that queues a task answers within seconds, what it saved kept and its task
left in the outbox for when Redis answers again, instead of hanging until gunicorn kills the web worker."""

import signal
import threading
import time

from django.db import connection
from django.urls import reverse

from agencies.models import OutboxMessage
from tests.celery_broker import publish_to
from tests.test_faults import PrivateRedis

# gunicorn's default --timeout (README runs it with the default): a request taking longer is killed with
# its worker, and the person is shown the proxy's error page.
GUNICORN_TIMEOUT = 30


def test_a_chase_with_the_broker_not_answering_is_kept_in_the_outbox(
    client, transactional_db, settings, tmp_path, audit, auditor, qa_manager
):
    redis = PrivateRedis(tmp_path)
    redis.start()
    # The broker and the cache on one server, as README's production environment has them.
    cache_url = redis.url.removesuffix("/0") + "/1"
    settings.CACHES = {"default": {"BACKEND": "auditportal.cache.RedisCache", "LOCATION": cache_url}}
    answer: dict = {}

    def chase() -> None:
        started = time.monotonic()
        try:
            answer["response"] = client.post(reverse("audits:chase_auditor", args=[audit.slug, auditor.agency_id]))
            answer["seconds"] = time.monotonic() - started
        finally:
            connection.close()  # this thread's own

    try:
        with publish_to(redis.url):
            client.force_login(qa_manager)
            redis.proc.send_signal(signal.SIGSTOP)  # its port still takes connections; nothing answers
            request = threading.Thread(target=chase, daemon=True)
            request.start()
            request.join(GUNICORN_TIMEOUT)
            assert not request.is_alive(), f"the request was still waiting for Redis after {GUNICORN_TIMEOUT}s"
    finally:
        redis.proc.send_signal(signal.SIGCONT)
        redis.stop()
    assert answer["response"].status_code == 302, answer
    message = OutboxMessage.objects.get(task="audits.tasks.send_chase")
    assert message.sent_at is None and "Timeout" in message.last_error
