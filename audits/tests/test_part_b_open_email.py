"""Moving an audit from Part A to Part B tells each agency's named auditor able to act: Part A is closed,
how many of their agency's returns were sent and how many not (closed now), the session's date and venue,
and the link to their returns. A move back to Planning tells nobody."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from audits.models import AuditStatus
from audits.services.partb import audit_transition, email_part_b_open, session_update

pytestmark = pytest.mark.django_db


def body_to(email: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [email]]
    return " ".join(message.body.split())


def test_moving_to_part_b_tells_each_auditor_what_was_sent_and_when_the_session_is(
    audit, submitted, qa_manager, lead_officer, auditor, other_auditor, settings, django_capture_on_commit_callbacks
):
    session_update(user=qa_manager, audit=audit, date=datetime.date(2027, 5, 12), venue="Hove Town Hall")
    with django_capture_on_commit_callbacks(execute=True):
        audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([auditor.email, other_auditor.email])
    [message] = [m for m in mail.outbox if m.to == [auditor.email]]
    assert message.subject.endswith("Part A is closed: CSE audit")
    body = body_to(auditor.email)
    assert "Part A of the audit “CSE audit” is closed" in body
    assert "Sussex Police sent 1 return; 1 was not sent and is now closed" in body
    assert "The Part B session is on Wednesday 12 May 2027, at Hove Town Hall." in body
    assert f"{settings.SITE_URL}{reverse('audits:my_returns')}" in body
    assert "Case 1" not in body  # no case content
    assert "sent 0 returns; 2 were not sent and are now closed" in body_to(other_auditor.email)


def test_without_a_session_date_it_says_so(audit, qa_manager, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)
    assert "The Part B session's date is not set yet." in body_to(auditor.email)


def test_a_move_back_to_planning_tells_nobody(audit, qa_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PLANNING)
    assert mail.outbox == []


def test_nobody_unable_to_act_or_no_longer_in_part_b_is_told(audit, qa_manager, auditor, other_auditor):
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)
    first, second = audit.participants.order_by("agency__name")  # CSW (other_auditor), Sussex Police
    other_auditor.is_active = False
    other_auditor.save()
    assert email_part_b_open(participant_id=first.pk, auditor_id=other_auditor.pk) is False
    assert email_part_b_open(participant_id=second.pk, auditor_id=other_auditor.pk) is False  # not theirs
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PART_A)  # taken back before it went
    assert email_part_b_open(participant_id=second.pk, auditor_id=auditor.pk) is False
    assert mail.outbox == []
