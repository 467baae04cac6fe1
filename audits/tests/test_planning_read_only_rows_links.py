"""An audit's Planning page past Planning shows its agencies and their auditors read-only (and, once the
audit is closed or cancelled, its lead officer): their names are text, not links to the agency's or the
person's page in Administration, which the QA manager may not open (every link followed was a "403
Forbidden" and a refused access in the access log)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, AuditStatus
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db


def test_the_agencies_and_auditors_of_an_audit_past_planning_are_not_links_to_pages_refused(
    client, qa_manager, audit, agency_a, auditor
):
    client.force_login(qa_manager)

    response = client.get(reverse("admin:audits_audit_change", args=[audit.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:agencies_agency_change", args=[agency_a.pk]) not in html
    assert reverse("admin:agencies_user_change", args=[auditor.pk]) not in html
    assert not re.findall(r'href="/admin/agencies/', html)
    # Still shown, as text.
    text = page_text(response)
    assert agency_a.name in text
    assert str(auditor) in text


@pytest.mark.parametrize("status", [AuditStatus.CLOSED, AuditStatus.CANCELLED])
def test_the_lead_officer_of_a_closed_or_cancelled_audit_and_who_cancelled_it_are_not_links_to_pages_refused(
    client, qa_manager, audit, lead_officer, status
):
    cancelled_by = qa_manager if status == AuditStatus.CANCELLED else None
    Audit.objects.filter(pk=audit.pk).update(status=status, closed_at=timezone.now(), cancelled_by=cancelled_by)
    client.force_login(qa_manager)

    response = client.get(reverse("admin:audits_audit_change", args=[audit.pk]))

    assert response.status_code == 200
    assert not re.findall(r'href="/admin/agencies/', response.content.decode())
    html = page_text(response)
    if cancelled_by:
        assert re.search(
            rf"Cancelled by:\s*</label>\s*<div class=\"readonly\">{re.escape(str(qa_manager))}</div>", html
        )
    assert re.search(rf"Lead officer:\s*</label>\s*<div class=\"readonly\">{re.escape(str(lead_officer))}</div>", html)
