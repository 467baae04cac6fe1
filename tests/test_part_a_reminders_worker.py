"""The Part A reminders of a run, on a real Celery worker through Redis: one outbox message per auditor, each
e-mailed once, even when a message is published again (its "sent" mark lost, or Redis lost the queue).

Run through scripts/test_services.py (make test): PostgreSQL, Redis and the worker are real.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import OutboxMessage
from agencies.outbox import outbox_send
from audits.tasks import send_part_a_reminders
from tests.fixtures_services import mail_texts, mails, wait_for

pytestmark = pytest.mark.worker

TASK = "audits.tasks.send_part_a_reminder"


def test_each_auditor_is_reminded_once_through_the_outbox(
    transactional_db, audit, auditor, other_auditor, mailbox, celery_worker_process
):
    audit.part_a_due = timezone.localdate() - timedelta(days=1)
    audit.save()
    send_part_a_reminders.delay()  # run by hand: sent whatever the hour
    messages = OutboxMessage.objects.filter(task=TASK)
    assert wait_for(lambda: messages.filter(done_at__isnull=False).count() == 2), celery_worker_process.log()
    assert sorted(messages.values_list("args__0", flat=True)) == sorted([auditor.pk, other_auditor.pk])
    assert wait_for(lambda: len(mails(mailbox)) == 2)

    # Published again: done already, nothing sent.
    message = messages.order_by("pk").first()
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_send(message_id=message.pk)
    done = f"send_part_a_reminder[outbox-{message.pk}] succeeded"
    assert wait_for(lambda: celery_worker_process.log().count(done) == 2), celery_worker_process.log()
    texts = mail_texts(mailbox)
    assert len(texts) == 2
    for address in (auditor.email, other_auditor.email):
        assert sum(address in text for text in texts) == 1
