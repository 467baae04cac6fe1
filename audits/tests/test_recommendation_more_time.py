"""An owner given more time after the audit closed: the QA manager (or the lead officer) moves the
recommendation's due date on its page, as where the owner's reminders go, until it is closed. The first
due date stays on record (the tracker prints it), the access log says the due date moved from what to
what, and a date before the Part B session is refused by the field with what was typed kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus, RecommendationStatus
from audits.tests.factories import AuditFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def test_a_closed_audits_recommendation_is_given_more_time(client, qa_manager):
    today = timezone.localdate()
    audit = AuditFactory(status=AuditStatus.CLOSED, part_b_date=today - datetime.timedelta(days=200))
    first = today - datetime.timedelta(days=20)  # overdue
    rec = RecommendationFactory(
        audit=audit, status=RecommendationStatus.IN_PROGRESS, due_date=first, owner_email="owner@example.org"
    )
    client.force_login(qa_manager)
    edit = reverse("audits:recommendation_edit", args=[audit.slug, rec.pk])
    assert 'name="due_date"' in client.get(edit).content.decode()

    later = today + datetime.timedelta(days=90)
    response = client.post(edit, {"owner_email": "owner@example.org", "due_date": later.isoformat()})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert (rec.due_date, rec.owner_email, rec.status) == (later, "owner@example.org", RecommendationStatus.IN_PROGRESS)
    record = AccessRecord.objects.get(action=AccessAction.CHANGE, object_id=str(rec.pk))
    assert record.summary == f"Recommendation changed: #{rec.pk}, the due date {first:%Y-%m-%d} → {later:%Y-%m-%d}"
    tracker = client.get(reverse("audits:insights_tracker") + "?status=all").content.decode()
    assert f"moved: first due {first:%-d %b %Y}" in tracker

    # Before the Part B session: refused by the field, what was typed kept, nothing saved.
    early = audit.part_b_date - datetime.timedelta(days=1)
    response = client.post(edit, {"owner_email": "another@example.org", "due_date": early.isoformat()})
    page = response.content.decode()
    assert response.status_code == 400 and "The due date cannot be before the Part B session" in page
    assert 'value="another@example.org"' in page and f'value="{early.isoformat()}"' in page
    rec.refresh_from_db()
    assert (rec.due_date, rec.owner_email) == (later, "owner@example.org")
