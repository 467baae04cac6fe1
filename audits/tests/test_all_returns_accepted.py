"""When the last of an agency's returns in an audit is accepted, its auditor is e-mailed once that all N
are accepted and nothing more is to do (with the Part B session's date if set): not on the accepts
before it, once however often the message is delivered, and again only after one was unlocked and all
of them are accepted once more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from agencies.models import OutboxMessage
from agencies.outbox import outbox_send
from audits.models import AuditStatus, PartAReturn, PartBSession, ReturnStatus
from audits.services.parta import email_auditor_about_return, return_accept, return_submit, return_unlock
from audits.services.partb import audit_cancel
from audits.tasks import notify_auditor
from audits.tests.parta_support import complete, load

pytestmark = pytest.mark.django_db

NOTIFY = "audits.tasks.notify_auditor"


def all_accepted_mail() -> list:
    return [m for m in mail.outbox if "All your Part A returns are accepted" in m.subject]


@pytest.fixture
def submitted_both(audit, auditor, layout):
    """Both of agency A's returns (Case 1, Case 2) submitted by its auditor."""
    returns = list(PartAReturn.objects.filter(audit=audit, agency=auditor.agency).order_by("case__order"))
    for ret in returns:
        assert return_submit(
            user=auditor, ret=load(ret.pk), layout=layout, based_on_version=0, changes=complete(layout)
        ).submitted
    return [load(ret.pk) for ret in returns]


def accept(user, ret, capture):
    with capture(execute=True):
        return return_accept(user=user, ret=load(ret.pk), based_on_version=load(ret.pk).version)


def test_only_the_last_accept_emails_the_auditor(
    qa_manager, audit, auditor, other_auditor, submitted_both, django_capture_on_commit_callbacks
):
    first, last = submitted_both
    accept(qa_manager, first, django_capture_on_commit_callbacks)
    assert all_accepted_mail() == [] and not OutboxMessage.objects.filter(task=NOTIFY).exists()

    accept(qa_manager, last, django_capture_on_commit_callbacks)
    [message] = all_accepted_mail()
    assert message.to == [auditor.email]
    assert message.subject.endswith("All your Part A returns are accepted: CSE audit")
    body = " ".join(message.body.split())
    assert "All 2 Part A returns of Sussex Police for the audit “CSE audit” are accepted." in body
    assert "There is nothing more for you to do in Part A." in body
    assert "The Part B session's date is not set yet." in body
    assert "/audits/my-returns/" in body
    assert other_auditor.email not in [m.to[0] for m in mail.outbox]  # agency B still has returns to send


def test_the_email_gives_the_part_b_session_date(qa_manager, audit, submitted_both, django_capture_on_commit_callbacks):
    session_date = timezone.localdate() + dt.timedelta(days=10)
    PartBSession.objects.create(audit=audit, date=session_date, venue="Room 1")
    for ret in submitted_both:
        accept(qa_manager, ret, django_capture_on_commit_callbacks)
    [message] = all_accepted_mail()
    assert f"The Part B session is on {date_format(session_date, 'l j F Y')}." in " ".join(message.body.split())


def test_a_late_return_accepted_after_the_session_gives_no_past_date(
    qa_manager, audit, submitted_both, django_capture_on_commit_callbacks
):
    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    PartBSession.objects.create(audit=audit, date=timezone.localdate() - dt.timedelta(days=2), venue="Room 1")
    for ret in submitted_both:
        accept(qa_manager, ret, django_capture_on_commit_callbacks)
    [message] = all_accepted_mail()
    body = " ".join(message.body.split())
    assert "The Part B session is on" not in body and "The audit is in Part B." in body


def test_not_sent_once_the_audit_is_cancelled(qa_manager, audit, submitted_both, django_capture_on_commit_callbacks):
    for ret in submitted_both:
        accept(qa_manager, ret, django_capture_on_commit_callbacks)
    assert len(all_accepted_mail()) == 1
    mail.outbox.clear()
    # Cancelled while the e-mail waited in the outbox (Redis down, say): it is not sent when it goes.
    audit_cancel(user=qa_manager, audit=audit, reason="Merged into another audit")
    assert email_auditor_about_return(return_id=submitted_both[-1].pk, event="all_accepted") is False
    assert email_auditor_about_return(return_id=submitted_both[-1].pk, event="unlocked") is False
    assert all_accepted_mail() == [] and not [m for m in mail.outbox if "unlocked" in m.subject.lower()]


def test_sent_once_however_often_delivered(qa_manager, submitted_both, django_capture_on_commit_callbacks):
    for ret in submitted_both:
        accept(qa_manager, ret, django_capture_on_commit_callbacks)
    assert len(all_accepted_mail()) == 1
    message = OutboxMessage.objects.get(task=NOTIFY, args__1="all_accepted")
    assert message.done_at is not None
    notify_auditor.apply(args=message.args, task_id=f"outbox-{message.pk}")  # Redis redelivers it
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_send(message_id=message.pk) is True  # the outbox publishes it again
    assert len(all_accepted_mail()) == 1


def test_unlocked_and_accepted_again_is_told_again_once(
    qa_manager, auditor, layout, submitted_both, django_capture_on_commit_callbacks
):
    for ret in submitted_both:
        accept(qa_manager, ret, django_capture_on_commit_callbacks)
    unlocked = submitted_both[0]
    with django_capture_on_commit_callbacks(execute=True):
        return_unlock(user=qa_manager, ret=load(unlocked.pk), based_on_version=load(unlocked.pk).version, reason="R1.")
    ret = load(unlocked.pk)
    assert return_submit(user=auditor, ret=ret, layout=layout, based_on_version=ret.version, changes={}).submitted
    accept(qa_manager, ret, django_capture_on_commit_callbacks)
    assert len(all_accepted_mail()) == 2
    assert OutboxMessage.objects.filter(task=NOTIFY, args__1="all_accepted").count() == 2


def test_not_sent_if_one_was_unlocked_before_it_went(qa_manager, submitted_both, django_capture_on_commit_callbacks):
    for ret in submitted_both:
        accept(qa_manager, ret, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    PartAReturn.objects.filter(pk=submitted_both[0].pk).update(status=ReturnStatus.RETURNED)
    assert email_auditor_about_return(return_id=submitted_both[1].pk, event="all_accepted") is False
    assert mail.outbox == []
