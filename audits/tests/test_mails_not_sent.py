"""E-mails that never went are shown to the administrator: an e-mail task whose retries over a mail server
that refuses it run out, or that the outbox stops publishing again a day after it was written, marks its
outbox message failed, and the administrator's home page lists it ("E-mails not sent": kind, when queued,
to whom masked, never the content) with what to check and a button to try them again, recorded."""

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessRecord, OutboxMessage
from agencies.outbox import enqueue, outbox_flush
from agencies.services import masked_email
from audits.services.parta import return_send_back, return_submit
from audits.tests.parta_support import load
from audits.tests.test_parta_services import complete

pytestmark = pytest.mark.django_db

COMMENT = "Add evidence for R1: the strategy meeting of 3 March about Child Q."


@pytest.fixture
def refusing_relay(settings):
    """A mail relay that refuses every connection: a port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    return settings


def section(client) -> str:
    html = client.get(reverse("home")).content.decode()
    start = html.find('data-testid="mails-not-sent"')
    return " ".join(html[start : html.find("</section>", start)].split()) if start >= 0 else ""


def returned_and_failed(qa_manager, auditor, ret, layout, capture) -> OutboxMessage:
    """A return sent back with a comment, whose notice to the auditor the relay refuses every time."""
    return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=complete(layout))
    with capture(execute=True):
        return_send_back(user=qa_manager, ret=load(ret.pk), based_on_version=1, comment=COMMENT)
    return OutboxMessage.objects.get(task="audits.tasks.notify_auditor")


def test_an_email_the_relay_refuses_after_its_retries_is_shown_to_the_administrator_without_its_content(
    refusing_relay, client, administrator, qa_manager, auditor, audit, ret, layout, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    assert section(client) == ""
    message = returned_and_failed(qa_manager, auditor, ret, layout, django_capture_on_commit_callbacks)

    assert mail.outbox == [] and message.done_at is None and message.failed_at is not None
    assert message.failed_to == masked_email(auditor.email)
    shown = section(client)
    assert "E-mails not sent" in shown and ">1<" in shown.replace(" ", "")
    assert "Notice about a Part A return" in shown
    assert masked_email(auditor.email) in shown and auditor.email not in shown
    assert "EMAIL_HOST" in shown and "worker" in shown and "ConnectionRefusedError" in shown
    for content in (COMMENT, "Child Q", audit.title, "Case 1"):
        assert content not in shown


def test_the_email_gone_at_last_leaves_the_list(
    refusing_relay, client, administrator, qa_manager, auditor, ret, layout, django_capture_on_commit_callbacks
):
    message = returned_and_failed(qa_manager, auditor, ret, layout, django_capture_on_commit_callbacks)
    client.force_login(administrator)
    assert "Notice about a Part A return" in section(client)
    refusing_relay.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The outbox's hourly republishing sends it this time.
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now() - timedelta(hours=2))
    outbox_flush()
    assert [m.to for m in mail.outbox] == [[auditor.email]]
    assert section(client) == ""


def test_the_outbox_giving_up_a_day_later_marks_it_not_sent(client, administrator, auditor, qa_manager):
    """A message published and never done (Redis lost it each time): a day after it was written the outbox
    no longer publishes it again, and it is listed."""
    message = enqueue("agencies.tasks.notify_account_change", auditor.pk, "password", qa_manager.pk)
    two_days_ago = timezone.now() - timedelta(days=2)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=two_days_ago, sent_at=two_days_ago)
    client.force_login(administrator)
    assert section(client) == ""

    outbox_flush()
    message.refresh_from_db()
    assert message.failed_at is not None and message.done_at is None
    shown = section(client)
    assert "Notice of a change to an account" in shown and "—" in shown


def test_only_the_administrator_sees_it_and_may_try_again(
    refusing_relay, client, administrator, qa_manager, auditor, ret, layout, django_capture_on_commit_callbacks
):
    message = returned_and_failed(qa_manager, auditor, ret, layout, django_capture_on_commit_callbacks)
    client.force_login(qa_manager)
    assert "E-mails not sent" not in client.get(reverse("home"), follow=True).content.decode()
    assert client.post(reverse("mail_retry")).status_code == 404
    assert AccessRecord.objects.filter(user=qa_manager, action="refused", object_type="agencies.outboxmessage").exists()
    message.refresh_from_db()
    assert message.failed_at is not None


def test_try_them_again_sends_them_and_is_recorded(
    refusing_relay, client, administrator, qa_manager, auditor, ret, layout, django_capture_on_commit_callbacks
):
    message = returned_and_failed(qa_manager, auditor, ret, layout, django_capture_on_commit_callbacks)
    refusing_relay.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the relay mended
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mail_retry"), follow=True)
    assert "1 e-mail is being tried again" in response.content.decode()
    assert [m.to for m in mail.outbox] == [[auditor.email]]
    message.refresh_from_db()
    assert message.done_at is not None
    assert section(client) == ""
    record = AccessRecord.objects.get(user=administrator, action="change", object_type="agencies.outboxmessage")
    assert record.object_id == str(message.pk) and COMMENT not in record.summary


def test_the_home_page_makes_one_query_for_it_however_many(client, administrator, auditor, qa_manager):
    client.force_login(administrator)
    client.get(reverse("home"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        assert sum("agencies_outboxmessage" in q["sql"] for q in captured.captured_queries) == 1
        return len(captured)

    none = queries()
    for _ in range(3):
        message = enqueue("agencies.tasks.notify_account_change", auditor.pk, "password", qa_manager.pk)
        OutboxMessage.objects.filter(pk=message.pk).update(failed_at=timezone.now(), failed_to="a***@example.org")
    many = queries()
    assert many == none
    assert "E-mails not sent" in section(client)
