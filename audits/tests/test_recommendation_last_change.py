"""The recommendation tracker says when each recommendation was last changed and by whom (its status, its
evidence of impact, its due date or owner's e-mail…): the QA manager preparing the board's papers sees which
were updated since the last meeting, and who to ask, without opening each audit."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditStatus, RecommendationStatus
from audits.tests.factories import AuditFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def test_the_tracker_names_who_last_changed_each_recommendation_and_when(client, qa_manager, lead_officer):
    today = timezone.localdate()
    audit = AuditFactory(status=AuditStatus.CLOSED, lead_officer=lead_officer)
    moved = RecommendationFactory(audit=audit, text="Moved on", due_date=today + datetime.timedelta(days=40))
    emailed = RecommendationFactory(audit=audit, text="New owner", due_date=today + datetime.timedelta(days=50))
    client.force_login(lead_officer)
    prefix = f"rec-{moved.pk}"
    client.post(
        reverse("audits:recommendation_status", args=[audit.slug, moved.pk]),
        {f"{prefix}-to_status": RecommendationStatus.IN_PROGRESS, f"{prefix}-from_status": RecommendationStatus.OPEN},
    )
    client.force_login(qa_manager)
    edit = reverse("audits:recommendation_edit", args=[audit.slug, emailed.pk])
    posted = {"owner_email": "new.owner@example.org", "due_date": emailed.due_date.isoformat()}
    assert client.post(edit, posted).status_code == 302

    page = client.get(reverse("audits:insights_tracker")).content.decode()
    day = f"{today:%-d %b %Y}"
    rows = {rec: page[page.index(f'data-rec="{rec.pk}"') :] for rec in (moved, emailed)}
    assert f"Last changed {day} by {html.escape(lead_officer.get_full_name())}" in rows[moved].split("</tr>")[0]
    assert f"Last changed {day} by {html.escape(qa_manager.get_full_name())}" in rows[emailed].split("</tr>")[0]
