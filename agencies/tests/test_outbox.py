"""The outbox: a task is written with the change, published after commit, and re-published later if the broker failed."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from agencies.models import OutboxMessage
from agencies.outbox import REPUBLISH_AFTER, REPUBLISH_FOR, enqueue, outbox_flush, outbox_pending
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


def _published(task: str, *, ago: timedelta, created_ago: timedelta | None = None, **fields) -> OutboxMessage:
    now = timezone.now()
    return OutboxMessage.objects.create(
        task=task, args=["nobody@example.org"], sent_at=now - ago, created_at=now - (created_ago or ago), **fields
    )


@pytest.mark.django_db(transaction=True)
def test_a_run_once_message_published_long_ago_and_not_done_is_published_again():
    """Redis lost it (a crash without persistence): sent_at set, done_at never."""
    recent = _published("agencies.tasks.send_password_reset", ago=REPUBLISH_AFTER - timedelta(minutes=5))
    lost = _published("agencies.tasks.send_password_reset", ago=REPUBLISH_AFTER + timedelta(minutes=5))
    done = _published("agencies.tasks.send_password_reset", ago=REPUBLISH_AFTER * 2, done_at=timezone.now())
    given_up = _published(
        "agencies.tasks.send_password_reset", ago=REPUBLISH_AFTER * 2, created_ago=REPUBLISH_FOR + timedelta(hours=1)
    )
    # Not run_once: nothing marks it done (a render has a requeue of its own).
    other = _published("agencies.tasks.flush_outbox", ago=REPUBLISH_AFTER * 2)
    assert outbox_flush() == 1
    fresh = {m.pk: m for m in OutboxMessage.objects.all()}
    assert fresh[lost.pk].done_at is not None  # eager here: run at once, and marked done
    assert fresh[lost.pk].sent_at > timezone.now() - timedelta(minutes=1) and fresh[lost.pk].attempts == 1
    for unchanged in (recent, done, given_up, other):
        assert fresh[unchanged.pk].sent_at == unchanged.sent_at and fresh[unchanged.pk].attempts == 0
    assert outbox_flush() == 0


@pytest.mark.django_db(transaction=True)
def test_a_client_address_is_kept_only_while_the_password_links_limit_counts_it():
    from agencies.outbox import KEEP_CLIENT_ADDRESS
    from agencies.passwords import RATE_WINDOW

    assert KEEP_CLIENT_ADDRESS >= timedelta(seconds=RATE_WINDOW)
    now = timezone.now()
    task = "agencies.tasks.send_password_reset"
    counted = _published(task, ago=timedelta(minutes=5), ip_address="198.51.100.7", done_at=now)
    old_sent = _published(task, ago=KEEP_CLIENT_ADDRESS + timedelta(minutes=5), ip_address="203.0.113.9", done_at=now)
    old_failed = OutboxMessage.objects.create(
        task=task,
        args=["nobody@example.org"],
        created_at=now - timedelta(days=3),
        failed_at=now,
        ip_address="2001:db8::1",
    )
    outbox_flush()
    fresh = dict(OutboxMessage.objects.values_list("pk", "ip_address"))
    assert fresh == {counted.pk: "198.51.100.7", old_sent.pk: None, old_failed.pk: None}


@pytest.mark.django_db(transaction=True)
def test_an_email_not_sent_stays_listed_for_a_month_not_a_week():
    """Sent messages are deleted a week after they were published; one that failed for good and was not sent since
    is on the administrator's list ("E-mails not sent"), and stays there for KEEP_FAILED after it was queued."""
    from agencies.outbox import KEEP_FAILED, KEEP_SENT
    from agencies.selectors import mails_not_sent

    now = timezone.now()
    task = "agencies.tasks.send_password_reset"

    def failed(days: int, **fields) -> OutboxMessage:
        at = now - timedelta(days=days)
        return OutboxMessage.objects.create(
            task=task, args=["nobody@example.org"], created_at=at, sent_at=at, failed_at=at, **fields
        )

    listed = failed(KEEP_SENT.days + 3)
    failed(KEEP_FAILED.days + 1)  # too old: deleted
    failed(KEEP_SENT.days + 3, done_at=now - timedelta(days=KEEP_SENT.days + 1))  # sent since: deleted
    outbox_flush()

    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [listed.pk]
    assert mails_not_sent().count == 1


@pytest.mark.django_db(transaction=True)
def test_an_email_tried_again_days_later_is_not_listed_as_not_sent_while_its_task_is_at_it():
    """ "Try them again" publishes an e-mail queued days ago; its task retries over the mail server for about half
    an hour. The outbox lists it as not sent again only if it is still not done an hour after it was published."""
    from agencies.selectors import mails_not_sent

    task = "agencies.tasks.send_password_reset"
    tried_again = _published(task, ago=timedelta(minutes=1), created_ago=timedelta(days=3))
    tried_long_ago = _published(task, ago=REPUBLISH_AFTER + timedelta(minutes=5), created_ago=timedelta(days=3))
    outbox_flush()

    fresh = {m.pk: m for m in OutboxMessage.objects.all()}
    assert fresh[tried_again.pk].failed_at is None
    assert fresh[tried_long_ago.pk].failed_at is not None
    assert mails_not_sent().count == 1
    assert fresh[tried_again.pk].sent_at == tried_again.sent_at  # not published once more meanwhile
