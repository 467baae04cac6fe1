"""The auditor replaced on "Change auditor" (audits.services.participants) is told who continues the
agency's returns: their next save of an open draft is refused, and would otherwise be unexplained.
Through the real outbox and run_once code, with Django's test mail outbox.

`audit` (conftest.py) is in Part A: agency A (Police) named `auditor`; `colleague` takes over."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import OutboxMessage
from agencies.outbox import outbox_send
from agencies.tasks import notify_replaced_auditor
from audits.models import AuditStatus
from audits.services.participants import email_replaced_auditor, participant_auditor_change

pytestmark = pytest.mark.django_db

TASK = "agencies.tasks.notify_replaced_auditor"


def told(person) -> list:
    return [m for m in mail.outbox if m.to == [person.email]]


@pytest.mark.parametrize("status", [AuditStatus.PART_A, AuditStatus.PART_B])
def test_the_replaced_auditor_is_told_who_has_their_drafts(
    qa_manager, audit, agency_a, auditor, colleague, settings, status, django_capture_on_commit_callbacks
):
    colleague.first_name, colleague.last_name = "Cara", "Jones"
    colleague.save()
    audit.status = status
    audit.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    [notice] = told(auditor)
    assert notice.subject.endswith("You are no longer the auditor for Sussex Police: CSE audit")
    body = " ".join(notice.body.split())
    assert "Cara Jones is now Sussex Police's auditor for the audit “CSE audit”." in body
    assert "your drafts included, are with them to continue: you no longer edit these returns" in body
    assert f"{settings.SITE_URL}{reverse('audits:my_returns')}" in notice.body
    assert len(told(colleague)) == 1  # and the new one, as before
    assert OutboxMessage.objects.get(task=TASK).done_at is not None


def test_delivered_again_it_is_not_sent_again(
    qa_manager, audit, agency_a, auditor, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participant = participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)
    message = OutboxMessage.objects.get(task=TASK)

    notify_replaced_auditor.apply(args=[participant.pk, auditor.pk], task_id=f"outbox-{message.pk}")
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_send(message_id=message.pk) is True
    assert len(told(auditor)) == 1


def test_an_inactive_or_addressless_former_auditor_is_not_told(qa_manager, audit, agency_a, auditor, colleague):
    participant = participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)
    auditor.is_active = False
    auditor.save()
    assert email_replaced_auditor(participant_id=participant.pk, old_id=auditor.pk) is False
    auditor.is_active, auditor.email = True, ""
    auditor.save()
    assert email_replaced_auditor(participant_id=participant.pk, old_id=auditor.pk) is False
    assert mail.outbox == []


def test_named_back_before_it_went_they_are_not_told(qa_manager, audit, agency_a, auditor, colleague):
    participant = participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)
    participant_auditor_change(audit=audit, agency=agency_a, auditor=auditor, user=qa_manager)

    assert email_replaced_auditor(participant_id=participant.pk, old_id=auditor.pk) is False
    # The colleague, replaced in turn, is told who has the returns now.
    assert email_replaced_auditor(participant_id=participant.pk, old_id=colleague.pk) is True
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert OutboxMessage.objects.filter(task=TASK).count() == 2


def test_nobody_named_before_nobody_to_tell(qa_manager, audit, agency_a, auditor, colleague):
    audit.participants.filter(agency=agency_a).update(auditor=None)

    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    assert not OutboxMessage.objects.filter(task=TASK).exists()
