"""The e-mail about returns sent back for amendment (or unlocked) waits RETURN_NOTICE_DELAY after a send-back
and then tells the auditor of every return of their agency in the audit sent back meanwhile, in one e-mail
(tests/test_return_notice_worker.py runs it through a real worker). Here: what the service does before and
after the notice is due, with the same number of queries for two returns as for three, and today's rules for a
cancelled audit."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import OutboxMessage
from audits.models import Audit, AuditAgency, AuditStatus, PartAReturn, ReturnNotice
from audits.services.parta import (
    RETURN_NOTICE_DELAY,
    ReturnNoticeNotDue,
    email_auditor_about_return,
    return_send_back,
)
from audits.tests.factories import CaseFactory, make_returns
from audits.tests.parta_support import load
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db


def sent_back(qa_manager, audit, agency, count: int) -> list[PartAReturn]:
    for order in range(3, count + 1):
        CaseFactory(audit=audit, reference=f"Case {order}", order=order)
    make_returns(audit)
    returns = list(PartAReturn.objects.filter(audit=audit, agency=agency).order_by("case__order"))
    for ret in returns:
        complete_return(ret)
        fresh = load(ret.pk)
        return_send_back(user=qa_manager, ret=fresh, based_on_version=fresh.version, comment="Add the dates.")
    return returns


def dated_back(by: timedelta) -> None:
    for notice in ReturnNotice.objects.all():
        ReturnNotice.objects.filter(pk=notice.pk).update(created_at=notice.created_at - by)


def test_a_worker_waits_for_the_notice_to_fall_due_and_then_lists_every_return(qa_manager, audit, agency_a):
    returns = sent_back(qa_manager, audit, agency_a, 3)
    assert ReturnNotice.objects.count() == 3
    assert OutboxMessage.objects.filter(task="audits.tasks.notify_auditor").count() == 3

    with pytest.raises(ReturnNoticeNotDue) as not_due:
        email_auditor_about_return(return_id=returns[0].pk, event="returned", wait=True)
    assert 0 < not_due.value.countdown <= RETURN_NOTICE_DELAY.total_seconds() + 1
    assert mail.outbox == [] and ReturnNotice.objects.count() == 3

    dated_back(RETURN_NOTICE_DELAY)
    assert email_auditor_about_return(return_id=returns[0].pk, event="returned", wait=True)
    [message] = mail.outbox
    assert message.subject.endswith("3 Part A returns for amendment: CSE audit")
    assert all(f"- {ret.case.reference}:" in message.body for ret in returns)
    assert "Add the dates." not in message.body
    assert not ReturnNotice.objects.exists()
    # The other send-backs' tasks find them told of.
    assert not email_auditor_about_return(return_id=returns[1].pk, event="returned", wait=True)
    assert not email_auditor_about_return(return_id=returns[2].pk, event="returned")
    assert len(mail.outbox) == 1


def test_three_returns_take_the_queries_of_two(qa_manager, audit, agency_a, agency_b):
    sent_back(qa_manager, audit, agency_a, 6)  # six cases (agency A's returns are not e-mailed here)
    b_returns = list(PartAReturn.objects.filter(audit=audit, agency=agency_b).order_by("case__order"))

    def queries(returns) -> int:
        for ret in returns:
            complete_return(ret)
            fresh = load(ret.pk)
            return_send_back(user=qa_manager, ret=fresh, based_on_version=fresh.version, comment="Add the dates.")
        with CaptureQueriesContext(connection) as captured:
            assert email_auditor_about_return(return_id=returns[0].pk, event="returned")
        return len(captured)

    queries(b_returns[:1])  # one return: the e-mail of today, warming what is cached
    assert queries(b_returns[1:3]) == queries(b_returns[3:])
    assert [len(m.body.split("\n- ")) - 1 for m in mail.outbox] == [0, 2, 3]


def test_a_cancelled_audit_sends_nothing_and_keeps_no_notice(qa_manager, audit, agency_a):
    returns = sent_back(qa_manager, audit, agency_a, 2)
    assert ReturnNotice.objects.count() == 2
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.CANCELLED)  # between the review and the e-mail
    assert not email_auditor_about_return(return_id=returns[0].pk, event="returned")
    assert mail.outbox == [] and not ReturnNotice.objects.exists()


def test_an_email_queued_before_this_release_still_goes(qa_manager, audit, agency_a, agency_b):
    """The migration gives a notice to a returned return whose e-mail was queued (not done) before it."""
    from importlib import import_module

    from django.apps import apps
    from django.utils import timezone

    in_flight, done, resubmitted = (
        PartAReturn.objects.get(audit=audit, agency=agency_a, case__reference="Case 1"),
        PartAReturn.objects.get(audit=audit, agency=agency_a, case__reference="Case 2"),
        PartAReturn.objects.get(audit=audit, agency=agency_b, case__reference="Case 1"),
    )
    PartAReturn.objects.filter(pk__in=[in_flight.pk, done.pk]).update(status="returned")
    PartAReturn.objects.filter(pk=resubmitted.pk).update(status="submitted")
    task = "audits.tasks.notify_auditor"
    OutboxMessage.objects.create(task=task, args=[in_flight.pk, "unlocked"])
    OutboxMessage.objects.create(task=task, args=[done.pk, "returned"], done_at=timezone.now())
    OutboxMessage.objects.create(task=task, args=[resubmitted.pk, "returned"])
    OutboxMessage.objects.create(task=task, args=[done.pk, "all_accepted"])

    import_module("audits.migrations.0012_returnnotice").notices_for_messages_in_flight(apps, None)
    assert [(n.ret_id, n.event) for n in ReturnNotice.objects.all()] == [(in_flight.pk, "unlocked")]
    assert email_auditor_about_return(return_id=in_flight.pk, event="unlocked")
    assert mail.outbox[0].subject.endswith("Part A return unlocked: Case 1, CSE audit")


class HeldBackend(BaseEmailBackend):
    """A mail relay that answers only once the test lets it (HELD_SENDING), as a slow one does."""

    def send_messages(self, messages):
        HELD_SENDING["started"].set()
        HELD_SENDING["go"].wait(10)
        return len(messages)


HELD_SENDING: dict[str, threading.Event] = {}


@pytest.mark.django_db(transaction=True)
def test_a_slow_mail_relay_holds_up_no_page_that_locks_the_agencys_row(qa_manager, audit, agency_a, settings):
    """While the e-mail is being sent (its transaction open), a Chase or a change of the agency's auditor,
    which lock the agency's row in the audit, go ahead instead of waiting on the relay."""
    returns = sent_back(qa_manager, audit, agency_a, 2)
    # Committed at once here, each send-back's task ran then (no worker: e-mailed at once); these are the
    # notices a worker finds five minutes later.
    for ret in returns:
        ReturnNotice.objects.create(ret=ret, event="returned")
    dated_back(RETURN_NOTICE_DELAY)
    settings.EMAIL_BACKEND = f"{__name__}.HeldBackend"
    HELD_SENDING.update(started=threading.Event(), go=threading.Event())
    outcome = {}

    def send():
        try:
            outcome["sent"] = email_auditor_about_return(return_id=returns[0].pk, event="returned", wait=True)
        except Exception as error:  # said by the assertion below
            outcome["error"] = repr(error)
        finally:
            connections.close_all()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert HELD_SENDING["started"].wait(10), outcome
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            AuditAgency.objects.select_for_update().get(audit=audit, agency=agency_a)  # what Chase locks
    finally:
        HELD_SENDING["go"].set()
        sender.join(10)
    assert outcome == {"sent": True}
    assert not ReturnNotice.objects.exists()
