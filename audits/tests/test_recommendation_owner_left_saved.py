"""A recommendation whose owner left (their account deactivated) is reminded through its owner agency's lead. Saving
the recommendation for anything else (its text, its due date, the owner's e-mail left as it was) does not change
where its reminders go, so the lead is not e-mailed that it is assigned to them at each save; a new owner address
is still told."""

import datetime as dt

import pytest

from agencies.models import OutboxMessage
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import AuditStatus
from audits.services.partb import recommendation_contact_update, recommendation_update
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db


def told() -> list[str]:
    messages = OutboxMessage.objects.filter(task="audits.tasks.notify_recommendation_assigned").order_by("pk")
    return [message.args[1] for message in messages]


def left_owner(status=AuditStatus.PART_B):
    audit = audit_in(2026, status=status)
    leaver = UserFactory(email="jo.leaver@example.org")
    agency = AgencyFactory(name="Sussex Police", lead_email="lead@police.example.org")
    item = RecommendationFactory(
        audit=audit,
        owner="",
        owner_agency=agency,
        owner_email=leaver.email,
        due_date=dt.date.today() + dt.timedelta(days=60),
    )
    OutboxMessage.objects.all().delete()  # what its creation queued
    leaver.is_active = False
    leaver.save()
    return item


def test_saving_a_recommendation_whose_owner_left_does_not_tell_the_lead_each_time(qa_manager):
    item = left_owner()
    for text in ("Do better.", "Do much better.", "Do much better, sooner."):
        item = recommendation_update(
            user=qa_manager,
            recommendation=item,
            text=text,
            owner=item.owner,
            owner_agency=item.owner_agency,
            due_date=item.due_date,
        )
    assert told() == []

    # A new owner address is told, as before.
    recommendation_update(
        user=qa_manager,
        recommendation=item,
        text=item.text,
        owner=item.owner,
        owner_agency=item.owner_agency,
        due_date=item.due_date,
        owner_email="sam.new@police.example.org",
    )
    assert told() == ["sam.new@police.example.org"]


def test_the_owner_email_saved_as_it_was_after_the_audit_closed_does_not_tell_the_lead(qa_manager):
    item = left_owner(status=AuditStatus.CLOSED)
    recommendation_contact_update(user=qa_manager, recommendation=item, owner_email="jo.leaver@example.org")
    assert told() == []
