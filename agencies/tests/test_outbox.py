"""The outbox: a task is written with the change, published after commit, and re-published later if the broker failed."""

from datetime import timedelta

import pytest
from django.db import transaction

from agencies.models import OutboxMessage
from agencies.outbox import enqueue, outbox_flush, outbox_pending
from tests.celery_broker import publish_to


def dead_broker_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


@pytest.mark.django_db(transaction=True)
def test_nothing_is_published_when_the_transaction_rolls_back():
    with transaction.atomic():
        enqueue("agencies.tasks.flush_outbox")
        transaction.set_rollback(True)
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_published_after_commit_and_marked_sent():
    with transaction.atomic():
        message = enqueue("agencies.tasks.flush_outbox")
        assert OutboxMessage.objects.get(pk=message.pk).sent_at is None  # not before the commit
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_broker_down_keeps_the_message_and_a_later_flush_publishes_it():
    with publish_to(dead_broker_url()):
        with transaction.atomic():
            message = enqueue("agencies.tasks.flush_outbox")
        message.refresh_from_db()
        assert message.sent_at is None and message.attempts == 1
        assert "Error" in message.last_error
        assert outbox_flush(older_than=timedelta(0)) == 0  # still down
    assert outbox_pending() == 1
    # The broker is back (the suite's own Redis): the flush publishes it.
    assert outbox_flush(older_than=timedelta(0)) == 1
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 3
    assert outbox_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_flush_leaves_recent_failures_to_the_next_round():
    with publish_to(dead_broker_url()), transaction.atomic():
        enqueue("agencies.tasks.flush_outbox")
    assert outbox_flush() == 0  # younger than FLUSH_AFTER
    assert outbox_pending() == 1
