"""The audit's next step taken from a progress page opened before somebody else moved the audit on (the
QA manager's other tab, the lead officer, or a second click): nothing changes, and the page says where
the audit is now, who moved it there and when, instead of asking to choose a step offered."""

import html as html_lib

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus
from audits.tests.partb_pages import signed_in

pytestmark = pytest.mark.django_db


def test_a_step_taken_twice_or_from_an_old_page_says_where_the_audit_is_now(part_b, qa_manager, lead_officer):
    url = reverse("audits:audit_status", args=[part_b.slug])
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    assert qa.post(url, {"to_status": AuditStatus.REPORTING}).status_code == 302
    name = html_lib.escape(qa_manager.get_full_name())

    # The lead officer, on the page showing Part B, moves it to Reporting too.
    page = lead.post(url, {"to_status": AuditStatus.REPORTING}, follow=True).content.decode()
    assert f"The audit is already at the Reporting stage: moved there by {name} at " in page
    assert "Choose one of the next steps offered" not in page

    # Or back to Part A, offered by that page (Part B's step back), not from Reporting.
    page = lead.post(url, {"to_status": AuditStatus.PART_A}, follow=True).content.decode()
    assert f"Nothing was changed: the audit is at the Reporting stage now (moved there by {name} at " in page
    assert Audit.objects.get(pk=part_b.pk).status == AuditStatus.REPORTING
