"""A recommendation's owner is e-mailed once when it is assigned to their address (created with one, or the
address added or changed): which audit, when it is due, the partnership's contact; not what it says.
Through the outbox once committed (run_once)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import OutboxMessage, Partnership
from agencies.tests.factories import AgencyFactory
from audits.models import AuditStatus, RecommendationStatus
from audits.services.insights import email_recommendation_assigned
from audits.services.partb import (
    recommendation_add,
    recommendation_contact_update,
    recommendation_transition,
    recommendation_update,
)
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db
TASK = "audits.tasks.notify_recommendation_assigned"
TEXT = "Review the child's screening tool at the front door."


@pytest.fixture
def contact():
    p = Partnership.load()
    p.contact_email = "scp@example.gov.uk"
    p.save()


def add(user, audit, **kwargs):
    due = timezone.localdate() + dt.timedelta(days=60)
    return recommendation_add(user=user, audit=audit, text=TEXT, owner="CSE group", due_date=due, **kwargs)


def test_created_with_an_address_its_owner_is_told_once(qa_manager, contact, django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.PART_B, title="CSE audit 2026")
    with django_capture_on_commit_callbacks(execute=True):
        rec = add(qa_manager, audit, owner_email="owner@example.org")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.org"]
    assert message.subject.endswith("A recommendation is assigned to you: CSE audit 2026")
    due = rec.due_date.strftime("%A %-d %B %Y")
    assert f'audit "CSE audit 2026" is assigned to you (CSE group), due {due}' in message.body
    assert "scp@example.gov.uk" in message.body
    assert TEXT not in message.body and "screening" not in message.body  # no case content

    # Saved again with the same address (another field changed, or the address in other letters): nothing.
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_update(
            user=qa_manager, recommendation=rec, text=TEXT + " Soon.", owner="CSE group", due_date=rec.due_date
        )
        recommendation_contact_update(user=qa_manager, recommendation=rec, owner_email="Owner@Example.org")
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.filter(task=TASK).count() == 1


def test_an_address_added_or_changed_is_told(qa_manager, django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    with django_capture_on_commit_callbacks(execute=True):
        rec = add(qa_manager, audit)  # no address: nobody to tell
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        rec = recommendation_update(
            user=qa_manager,
            recommendation=rec,
            text=TEXT,
            owner="CSE group",
            due_date=rec.due_date,
            owner_email="first@example.org",
        )
    assert [m.to for m in mail.outbox] == [["first@example.org"]]
    # Once the audit is closed, the address is still tracked: the new one is told.
    audit.status = AuditStatus.CLOSED
    audit.save()
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_contact_update(user=qa_manager, recommendation=rec, owner_email="second@example.org")
    # (the first told it is no longer theirs: test_recommendation_owner_changes)
    assert [m.to for m in mail.outbox] == [["first@example.org"], ["first@example.org"], ["second@example.org"]]


def test_an_agency_owner_is_told_at_its_leads_address(qa_manager, django_capture_on_commit_callbacks):
    police = AgencyFactory(name="Police", lead_email="lead@police.example.org")
    audit = audit_in(2026, status=AuditStatus.PART_B)
    due = timezone.localdate() + dt.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_add(user=qa_manager, audit=audit, text=TEXT, owner_agency=police, due_date=due)
    assert [m.to for m in mail.outbox] == [["lead@police.example.org"]]
    assert "(Police)" in mail.outbox[0].body


def test_not_sent_when_it_moved_on_before_the_message_went(qa_manager):
    audit = audit_in(2026, status=AuditStatus.PART_B)
    rec = add(qa_manager, audit, owner_email="owner@example.org")  # queued, not published: no commit here
    assert not email_recommendation_assigned(recommendation_id=rec.pk, to="before@example.org")  # changed since
    recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.COMPLETE)
    assert not email_recommendation_assigned(recommendation_id=rec.pk, to="owner@example.org")  # complete
    assert mail.outbox == []
