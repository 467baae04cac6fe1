"""A chase delivered twice to a real Celery worker, through Redis, e-mails the auditor once.

Run through scripts/test_services.py (make test): PostgreSQL, Redis and the worker are real.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from agencies.models import OutboxMessage
from agencies.outbox import outbox_send
from audits.services.parta import auditor_chase
from tests.fixtures_services import mail_texts, mails, wait_for

pytestmark = pytest.mark.worker


def test_a_chase_published_twice_reaches_the_auditor_once(
    transactional_db, qa_manager, audit, auditor, agency_a, mailbox, celery_worker_process
):
    with transaction.atomic():
        auditor_chase(user=qa_manager, audit=audit, agency_id=agency_a.pk)
    message = OutboxMessage.objects.get(task="audits.tasks.send_chase")
    done = f"send_chase[outbox-{message.pk}] succeeded"
    assert wait_for(lambda: done in celery_worker_process.log()), celery_worker_process.log()
    assert len(mails(mailbox)) == 1

    # Published again (its "sent" mark was lost with the web process that published it).
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_send(message_id=message.pk)
    assert wait_for(lambda: celery_worker_process.log().count(done) == 2), celery_worker_process.log()
    assert len(mails(mailbox)) == 1
    assert auditor.email in mail_texts(mailbox)[0]
