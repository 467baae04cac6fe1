"""What the QA review of cancelling found: the pages of a cancelled audit say what became of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.services.partb import audit_cancel

pytestmark = pytest.mark.django_db

REASON = "Overtaken by a rapid review of the same children"


def test_the_progress_page_shows_cancelled_as_the_current_stage_not_a_life_cycle(client, audit, qa_manager):
    client.force_login(qa_manager)
    dashboard = reverse("audits:dashboard", args=[audit.slug])
    html = client.get(dashboard).content.decode()
    assert html.count('aria-current="step"') == 1 and "Reporting" in html
    audit_cancel(user=qa_manager, audit=audit, reason=REASON)
    html = client.get(dashboard).content.decode()
    stage = html.split('id="stage-heading"')[1].split("</ol>")[0]
    assert stage.count('aria-current="step"') == 1 and 'data-testid="stage-cancelled"' in stage
    assert "Reporting" not in stage


def test_the_cancel_page_says_who_reads_what_afterwards(client, audit, qa_manager):
    client.force_login(qa_manager)
    html = " ".join(client.get(reverse("audits:audit_cancel", args=[audit.slug])).content.decode().split())
    assert "the evidence boards are the QA manager's and the lead officer's only" in html
