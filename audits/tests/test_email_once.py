"""The e-mails sent through the outbox go once per event, however often their message is delivered:
Redis redelivers a task whose worker died before acknowledging it, Celery retries a send that
raised after the mail server took the message, and the outbox publishes again a message whose
"sent" mark was lost. A send that fails is not marked done, so its retry still sends it."""

import pytest
from django.core import mail

from agencies.models import OutboxMessage
from agencies.outbox import enqueue, outbox_send
from agencies.tasks import notify_account_change
from audits.services.parta import auditor_chase, return_send_back, return_submit
from audits.tasks import notify_auditor, send_chase
from audits.tests.parta_support import load
from audits.tests.test_parta_services import complete

pytestmark = pytest.mark.django_db


def message_of(task: str) -> OutboxMessage:
    return OutboxMessage.objects.get(task=task)


def published_again(message: OutboxMessage) -> None:
    """The outbox publishes the message again, as it does when its "sent" mark was lost."""
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_send(message_id=message.pk) is True


def test_a_chase_delivered_again_is_not_emailed_again(
    qa_manager, audit, auditor, agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log = auditor_chase(user=qa_manager, audit=audit, agency_id=agency_a.pk)
    assert [m.to for m in mail.outbox] == [[auditor.email]]
    message = message_of("audits.tasks.send_chase")
    assert message.done_at is not None

    send_chase.apply(args=[log.pk], task_id=f"outbox-{message.pk}")  # Redis redelivers it
    published_again(message)
    assert len(mail.outbox) == 1

    # Not through the outbox (called by hand): it just runs.
    send_chase.apply(args=[log.pk])
    assert len(mail.outbox) == 2


def test_a_return_notice_delivered_again_is_not_emailed_again(
    qa_manager, auditor, ret, layout, django_capture_on_commit_callbacks
):
    return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=complete(layout))
    with django_capture_on_commit_callbacks(execute=True):
        return_send_back(user=qa_manager, ret=load(ret.pk), based_on_version=1, comment="Add evidence for R1.")
    assert len(mail.outbox) == 1
    message = message_of("audits.tasks.notify_auditor")
    notify_auditor.apply(args=[ret.pk, "returned"], task_id=f"outbox-{message.pk}")
    published_again(message)
    assert len(mail.outbox) == 1


def test_a_failed_send_is_not_marked_done_and_its_retry_sends_it(
    settings, qa_manager, auditor, django_capture_on_commit_callbacks
):
    import socket

    with socket.socket() as sock:  # a port nobody listens on: the mail server is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue("agencies.tasks.notify_account_change", auditor.pk, "password", qa_manager.pk)
    message.refresh_from_db()
    assert message.sent_at is not None and message.done_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notify_account_change.apply(args=[auditor.pk, "password", qa_manager.pk], task_id=f"outbox-{message.pk}")
    assert [m.to for m in mail.outbox] == [[auditor.email]]
    published_again(message)
    assert len(mail.outbox) == 1
