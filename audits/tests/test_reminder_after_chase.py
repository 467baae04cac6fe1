"""The automatic Part A reminder leaves out the audits whose returns the auditor was chased about earlier
the same day, and says so in the reminder log; a reminder left with nothing to say is not sent. A chase
is never held back by a reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audits.models import AuditStatus, ReminderKind, ReminderLog
from audits.services.parta import auditor_chase, reminder_send, reminders_due
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory, make_returns

pytestmark = pytest.mark.django_db


def due_today(audit) -> None:
    audit.part_a_due = timezone.localdate() - timedelta(days=1)
    audit.save()


def chase(qa_manager, audit, agency, capture):
    with capture(execute=True):
        return auditor_chase(user=qa_manager, audit=audit, agency_id=agency.pk)


def test_chased_earlier_today_the_reminder_is_not_sent_and_the_log_says_why(
    qa_manager, audit, auditor, other_auditor, agency_a, agency_b, django_capture_on_commit_callbacks
):
    due_today(audit)
    chase(qa_manager, audit, agency_a, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[auditor.email]]  # the chase

    assert reminders_due() == sorted([auditor.pk, other_auditor.pk])
    assert reminder_send(auditor_id=auditor.pk) is None
    log = ReminderLog.objects.get(auditor=auditor, kind=ReminderKind.AUTOMATIC)
    assert log.summary == "Not sent: chased earlier today about cse-audit"
    # Agency B's auditor, not chased, is reminded as before.
    assert reminder_send(auditor_id=other_auditor.pk).summary == "cse-audit: 2"
    assert [m.to for m in mail.outbox] == [[auditor.email], [other_auditor.email]]  # no second e-mail to A
    assert reminders_due() == []  # both dealt with for today

    # A chase after the day's reminder is never held back.
    chase(qa_manager, audit, agency_b, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == [other_auditor.email] and "a reminder from" in mail.outbox[-1].subject

    # The next day (yesterday's chase holds nothing back), the reminder goes again.
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert auditor.pk in reminders_due(today=tomorrow)
    assert reminder_send(auditor_id=auditor.pk, today=tomorrow).summary == "cse-audit: 2"
    assert mail.outbox[-1].to == [auditor.email] and "overdue" in mail.outbox[-1].subject.lower()


def test_only_the_chased_audit_is_left_out(qa_manager, audit, auditor, agency_a, django_capture_on_commit_callbacks):
    due_today(audit)
    other = AuditFactory(title="Neglect audit", slug="neglect", status=AuditStatus.PART_A, part_a_due=audit.part_a_due)
    AuditAgencyFactory(audit=other, agency=agency_a, auditor=auditor)
    CaseFactory(audit=other, reference="Case 1")
    make_returns(other)
    chase(qa_manager, audit, agency_a, django_capture_on_commit_callbacks)

    log = reminder_send(auditor_id=auditor.pk)
    assert log is not None
    assert log.summary == "neglect: 1; not about cse-audit: chased earlier today"
    reminder = mail.outbox[-1]
    assert "Neglect audit" in reminder.body and "CSE audit" not in reminder.body
