"""Returns sent back (or unlocked) in one review sitting reach their auditor as one e-mail, through a real
Celery worker, Redis and PostgreSQL: the e-mail waits RETURN_NOTICE_DELAY after a send-back and then lists
every return of the agency in the audit sent back meanwhile and still to amend; once, however often its
messages are delivered; one per agency's auditor.

Run through scripts/test_services.py (make test). The notices are dated back, in the send-back's own
transaction, so that they fall due a few seconds after the test's send-backs rather than minutes: the tasks
still run at once from the outbox and wait (a Celery retry) until then, as they do in production.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import OutboxMessage
from agencies.outbox import outbox_send
from audits.models import PartAReturn, ReturnNotice, ReturnStatus
from audits.selectors.parta import tool_layout
from audits.services.parta import (
    RETURN_NOTICE_DELAY,
    return_accept,
    return_send_back,
    return_submit,
    return_unlock,
)
from audits.tests.factories import CaseFactory, make_returns
from audits.tests.parta_support import load
from audits.tests.partb_support import complete_return
from tests.fixtures_services import CeleryWorker, mails, wait_for

pytestmark = pytest.mark.worker

NOTIFY = "audits.tasks.notify_auditor"
COMMENT = "Sibling seen at 12 Acacia Avenue: add the dates."
# Long enough for the test's send-backs to be made before any falls due, on a loaded machine.
SITTING = timedelta(seconds=12)


@pytest.fixture
def six_cases(audit):
    for order in range(3, 7):
        CaseFactory(audit=audit, reference=f"Case {order}", order=order)
    make_returns(audit)
    return audit


def submitted(audit, agency) -> list[PartAReturn]:
    returns = list(PartAReturn.objects.filter(audit=audit, agency=agency).order_by("case__order"))
    for ret in returns:
        complete_return(ret)
    return [load(ret.pk) for ret in returns]


def send_back(user, ret: PartAReturn, due: datetime) -> None:
    """Send the return back as the review page does (its own transaction), its notice due at `due`."""
    with transaction.atomic():
        return_send_back(user=user, ret=load(ret.pk), based_on_version=load(ret.pk).version, comment=COMMENT)
        ReturnNotice.objects.filter(ret=ret).update(created_at=due - RETURN_NOTICE_DELAY)


def unlock(user, ret: PartAReturn, due: datetime) -> None:
    with transaction.atomic():
        ret = load(ret.pk)
        ret = return_accept(user=user, ret=ret, based_on_version=ret.version)
        return_unlock(user=user, ret=load(ret.pk), based_on_version=ret.version, reason=COMMENT)
        ReturnNotice.objects.filter(ret=ret).update(created_at=due - RETURN_NOTICE_DELAY)


def all_done(worker: CeleryWorker) -> bool:
    """Every notify_auditor message run to the end (after its wait) by the worker."""
    log = worker.log()
    pks = OutboxMessage.objects.filter(task=NOTIFY).values_list("pk", flat=True)
    return bool(pks) and all(f"notify_auditor[outbox-{pk}] succeeded" in log for pk in pks)


def emails(mailbox: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(message, policy=email.policy.default) for message in mails(mailbox)]


def text(message) -> str:
    return " ".join(message.get_content().split()) if not message.is_multipart() else ""


def test_six_returns_sent_back_in_one_sitting_are_one_email_naming_the_six(
    transactional_db, qa_manager, six_cases, auditor, agency_a, mailbox, celery_worker_process
):
    returns = submitted(six_cases, agency_a)
    due = timezone.now() + SITTING
    for ret in returns[:5]:
        send_back(qa_manager, ret, due)
    unlock(qa_manager, returns[5], due)  # an accepted one unlocked in the same sitting
    assert OutboxMessage.objects.filter(task=NOTIFY).count() == 6

    assert wait_for(lambda: all_done(celery_worker_process)), celery_worker_process.log()
    assert timezone.now() >= due  # each waited for its notice to fall due
    [message] = emails(mailbox)
    assert message["To"] == auditor.email
    assert message["Subject"].endswith("6 Part A returns for amendment: CSE audit")
    body = text(message)
    for ret in returns:
        assert f"- {ret.case.reference}" in body
        assert reverse("audits:return_detail", args=[ret.pk]) in body
    assert "Case 6 (accepted, then unlocked by the QA manager)" in body
    assert "Acacia" not in body  # the comment is read on the return, not e-mailed
    assert not ReturnNotice.objects.exists()


def test_one_return_sent_back_is_one_email_about_it(
    transactional_db, qa_manager, audit, auditor, agency_a, mailbox, celery_worker_process
):
    first = submitted(audit, agency_a)[0]
    due = timezone.now() + timedelta(seconds=3)
    send_back(qa_manager, first, due)

    assert wait_for(lambda: all_done(celery_worker_process)), celery_worker_process.log()
    [message] = emails(mailbox)
    [written] = mailbox.iterdir()
    assert datetime.fromtimestamp(written.stat().st_mtime, tz=UTC) >= due  # sent once due, not at once
    assert message["To"] == auditor.email
    assert message["Subject"].endswith("Part A return for amendment: Case 1, CSE audit")
    body = text(message)
    assert "Your Part A return for Case 1 (Sussex Police, CSE audit) has been returned to you for amendment." in body
    assert "Acacia" not in body


def test_a_return_sent_back_then_accepted_before_the_email_goes_is_not_listed(
    transactional_db, qa_manager, audit, auditor, agency_a, mailbox, celery_worker_process
):
    first, second = submitted(audit, agency_a)
    due = timezone.now() + SITTING
    send_back(qa_manager, first, due)
    send_back(qa_manager, second, due)
    # The auditor amends the first at once (they were on My returns), and the reviewer accepts it.
    fresh, layout = load(first.pk), tool_layout(audit.tool_version)
    assert return_submit(user=auditor, ret=fresh, layout=layout, based_on_version=fresh.version, changes={}).submitted
    return_accept(user=qa_manager, ret=load(first.pk), based_on_version=load(first.pk).version)
    assert timezone.now() < due, "the test was too slow to amend and accept the return before the e-mail"

    assert wait_for(lambda: all_done(celery_worker_process)), celery_worker_process.log()
    [message] = emails(mailbox)
    assert message["Subject"].endswith("Part A return for amendment: Case 2, CSE audit")
    assert "Case 1" not in text(message)
    assert load(first.pk).status == ReturnStatus.ACCEPTED and not ReturnNotice.objects.exists()


def test_messages_delivered_again_send_no_second_email(
    transactional_db, qa_manager, audit, auditor, agency_a, mailbox, celery_worker_process
):
    returns = submitted(audit, agency_a)
    due = timezone.now() + timedelta(seconds=3)
    for ret in returns:
        send_back(qa_manager, ret, due)
    assert wait_for(lambda: all_done(celery_worker_process)), celery_worker_process.log()
    assert len(emails(mailbox)) == 1

    # Both published again (their "sent" marks lost with the web process that published them).
    messages = list(OutboxMessage.objects.filter(task=NOTIFY))
    for message in messages:
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
        assert outbox_send(message_id=message.pk)
    log = celery_worker_process.log
    assert wait_for(lambda: all(log().count(f"notify_auditor[outbox-{m.pk}] succeeded") == 2 for m in messages)), log()
    assert len(emails(mailbox)) == 1


def test_two_agencies_auditors_each_get_their_own_email(
    transactional_db, qa_manager, audit, auditor, other_auditor, agency_a, agency_b, mailbox, celery_worker_process
):
    due = timezone.now() + SITTING
    for ret in submitted(audit, agency_a) + submitted(audit, agency_b):
        send_back(qa_manager, ret, due)

    assert wait_for(lambda: all_done(celery_worker_process)), celery_worker_process.log()
    messages = sorted(emails(mailbox), key=lambda m: m["To"])
    assert sorted(m["To"] for m in messages) == sorted([auditor.email, other_auditor.email])
    for message in messages:
        agency = agency_a if message["To"] == auditor.email else agency_b
        assert message["Subject"].endswith("2 Part A returns for amendment: CSE audit")
        body = text(message)
        assert f"These 2 Part A returns of {agency.name} for the audit “CSE audit”" in body
        for ret in PartAReturn.objects.filter(audit=audit):
            assert (reverse("audits:return_detail", args=[ret.pk]) in body) == (ret.agency_id == agency.pk)
