"""An e-mail whose queued message Redis lost (a crash without persistence) is still sent, once: the outbox
publishes again a run_once message published an hour ago and not done. Real PostgreSQL, Redis and worker.

Run through scripts/test_services.py (make test).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F

from agencies.models import OutboxMessage
from agencies.outbox import REPUBLISH_AFTER, outbox_flush
from agencies.passwords import invitation_send
from tests.celery_broker import publish_to
from tests.fixtures_services import file_mail_env, mail_texts, mails, wait_for
from tests.test_faults import PrivateRedis

pytestmark = pytest.mark.worker


@pytest.fixture
def invited(auditor):
    """The auditor as just added by the administrator: no password yet."""
    auditor.set_unusable_password()
    auditor.save(update_fields=["password"])
    return auditor


def published_earlier(message: OutboxMessage, by: timedelta) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=F("sent_at") - by)


def test_an_invitation_redis_lost_is_published_again_and_sent_once(
    transactional_db, invited, mailbox, celery_worker_process, tmp_path
):
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        with publish_to(redis.url), transaction.atomic():
            assert invitation_send(person=invited, by=None)
    finally:
        redis.stop()  # no persistence: the queued message is gone with it
    message = OutboxMessage.objects.get(task="agencies.tasks.send_invitation")
    assert message.sent_at is not None and message.done_at is None

    assert outbox_flush() == 0  # published a moment ago: perhaps still on its way
    published_earlier(message, REPUBLISH_AFTER + timedelta(minutes=1))
    assert outbox_flush() == 1  # the suite's Redis, which the worker reads
    done = f"send_invitation[outbox-{message.pk}] succeeded"
    assert wait_for(lambda: done in celery_worker_process.log()), celery_worker_process.log()
    [mail] = mail_texts(mailbox)
    assert invited.email in mail
    message.refresh_from_db()
    assert message.done_at is not None and message.attempts == 2

    # Done: never published again.
    published_earlier(message, REPUBLISH_AFTER * 2)
    assert outbox_flush() == 0


def test_a_message_published_again_while_its_first_copy_waits_is_sent_once(
    transactional_db, invited, mailbox, celery_worker_process
):
    """Republished while the first copy was still on the queue (a worker down for over an hour): both
    copies run, and the second finds the message done."""
    celery_worker_process.stop()
    with transaction.atomic():
        assert invitation_send(person=invited, by=None)
    message = OutboxMessage.objects.get(task="agencies.tasks.send_invitation")
    published_earlier(message, REPUBLISH_AFTER + timedelta(minutes=1))
    assert outbox_flush() == 1
    celery_worker_process.start(file_mail_env(mailbox))
    done = f"send_invitation[outbox-{message.pk}] succeeded"
    assert wait_for(lambda: celery_worker_process.log().count(done) == 2), celery_worker_process.log()
    assert len(mails(mailbox)) == 1
    assert "was done already; not run again" in celery_worker_process.log()
