"""The edit page of a recommendation that is closed (opened from a bookmark, or a page left open from before it
was closed) sends the person back to its row saying that it is closed and does not change until reopened, instead of
saying that its due date and where the owner's reminders go still can (the closed audit's words), or showing
a form that cannot be saved (an audit in Part B or Reporting)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, AuditStatus, Recommendation
from audits.services.partb import recommendation_add
from audits.tests.partb_pages import signed_in

pytestmark = pytest.mark.django_db

CLOSED = (
    "This recommendation is closed: nothing of it changes until it is reopened (Reopen, on its row: back to Complete)."
)


def said(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#x27;", "'").split())


@pytest.mark.parametrize("audit_status", [AuditStatus.CLOSED, AuditStatus.REPORTING, AuditStatus.PART_B])
def test_a_closed_recommendations_edit_page_says_it_is_closed(part_b, qa_manager, audit_status):
    due = timezone.localdate() + datetime.timedelta(days=90)
    rec = recommendation_add(user=qa_manager, audit=part_b, text="Review plans.", owner="CSE group", due_date=due)
    Recommendation.objects.filter(pk=rec.pk).update(status="closed", impact_evidence="Re-audited.")
    Audit.objects.filter(pk=part_b.pk).update(status=audit_status)

    response = signed_in(qa_manager).get(reverse("audits:recommendation_edit", args=[part_b.slug, rec.pk]), follow=True)

    row = reverse("audits:recommendations", args=[part_b.slug]) + f"#rec-{rec.pk}"
    assert response.redirect_chain == [(row, 302)]
    page = said(response.content.decode())
    assert CLOSED in page
    assert "only its status and evidence of impact are tracked, with its due date" not in page
