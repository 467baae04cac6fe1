"""Reviewers hear of returns awaiting review: once a day at most, per audit, to the QA managers and the
audit's lead officer, only on a day when a return was sent since their last digest; counts per agency
and the link to the audit's returns, no case content; through the outbox, once however often delivered."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import OutboxMessage, Role
from agencies.tests.factories import QAManagerFactory
from audits.models import AuditStatus, ReminderKind, ReminderLog
from audits.services.digests import email_review_digest
from audits.services.parta import return_send_back, return_submit
from audits.tasks import send_review_digest, send_review_digests
from audits.tests.parta_support import complete, load

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + timedelta(days=1)


def run(capture, day):
    with capture(execute=True):
        send_review_digests.apply(args=[day.isoformat()]).get()


def bodies_to(email: str) -> list[str]:
    return [" ".join(m.body.split()) for m in mail.outbox if m.to == [email]]


def test_a_sent_return_is_told_to_each_reviewer_once_a_day_and_only_when_something_new_arrived(
    submitted, audit, qa_manager, lead_officer, auditor, layout, settings, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks, TODAY)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([qa_manager.email, lead_officer.email])
    message = next(m for m in mail.outbox if m.to == [lead_officer.email])
    assert message.subject.endswith("Part A returns awaiting review: CSE audit")
    [body] = bodies_to(lead_officer.email)
    assert "1 Part A return of the audit “CSE audit” is awaiting review:" in body
    assert "- Sussex Police: 1 " in body
    assert f"{settings.SITE_URL}{reverse('audits:audit_returns', args=[audit.slug])}" in body
    assert "Case 1" not in body and "Evidence for" not in body  # no case content

    run(django_capture_on_commit_callbacks, TODAY)  # the next run the same day
    run(django_capture_on_commit_callbacks, TOMORROW)  # nothing new since
    assert len(mail.outbox) == 2

    # Returned for amendment and resubmitted: new, so told the next day, as a resubmission.
    return_send_back(user=qa_manager, ret=load(submitted.pk), based_on_version=1, comment="Add evidence.")
    return_submit(user=auditor, ret=load(submitted.pk), layout=layout, based_on_version=2, changes=complete(layout))
    mail.outbox.clear()
    run(django_capture_on_commit_callbacks, TOMORROW)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([qa_manager.email, lead_officer.email])
    [body] = bodies_to(qa_manager.email)
    assert "1 Part A return of the audit “CSE audit” is awaiting review (1 resubmitted after amendment):" in body
    assert "- Sussex Police: 1 (1 resubmitted)" in body


def test_nothing_awaiting_review_or_an_audit_past_part_b_tells_nobody(
    audit, submitted, qa_manager, django_capture_on_commit_callbacks
):
    audit.status = AuditStatus.REPORTING
    audit.save()
    run(django_capture_on_commit_callbacks, TODAY)
    assert mail.outbox == []
    assert not ReminderLog.objects.filter(kind=ReminderKind.REVIEW_DIGEST).exists()


def test_in_part_b_a_return_still_awaiting_review_is_told(
    submitted, part_b, qa_manager, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks, TODAY)
    [body] = bodies_to(qa_manager.email)
    assert "The audit is in Part B: each one can still be accepted." in body


def test_only_reviewers_able_to_read_the_returns_are_told(
    submitted, audit, qa_manager, lead_officer, django_capture_on_commit_callbacks
):
    QAManagerFactory(username="qa.left", is_active=False)
    lead_officer.role = Role.ADMINISTRATOR  # no case content
    lead_officer.save()
    run(django_capture_on_commit_callbacks, TODAY)
    assert [m.to for m in mail.outbox] == [[qa_manager.email]]

    # Recorded, then the QA manager's account was deactivated before it went: not sent.
    log = ReminderLog.objects.get(kind=ReminderKind.REVIEW_DIGEST)
    qa_manager.is_active = False
    qa_manager.save()
    assert email_review_digest(reminder_id=log.pk) is False


def test_a_digest_delivered_again_is_not_emailed_again(submitted, qa_manager, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks, TODAY)
    sent = len(mail.outbox)
    message = OutboxMessage.objects.filter(task="audits.tasks.send_review_digest").first()
    assert message.done_at is not None
    send_review_digest.apply(args=message.args, task_id=f"outbox-{message.pk}")  # Redis redelivers it
    assert len(mail.outbox) == sent
