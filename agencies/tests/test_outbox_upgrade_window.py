"""Upgrading (README: Upgrading) runs `migrate` while gunicorn, the worker and beat still run the code before
it, until they are restarted: a column added to the outbox keeps a default in the database, so that their
writes, which do not name it, are not refused meanwhile (every change that queues an e-mail would fail)."""

import pytest

from agencies.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_message_written_without_skipped_as_the_code_before_it_writes_one_is_saved_not_skipped():
    fields = [f for f in OutboxMessage._meta.concrete_fields if not f.primary_key and f.name != "skipped"]
    message = OutboxMessage(task="audits.tasks.send_chase", args=[1])

    OutboxMessage._base_manager._insert([message], fields=fields)

    assert OutboxMessage.objects.get(task="audits.tasks.send_chase").skipped is False
