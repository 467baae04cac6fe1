"""Change auditor on an audit taken back to Planning: the QA manager is sent to the plan; the audit's lead
officer, who does not open Planning (audits/planning.py), is told to ask a QA manager (README: warnings and
refusals shown to the lead officer say so), not to change it "on the audit's page there"."""

import pytest
from django.urls import reverse

from audits.models import AuditStatus

pytestmark = pytest.mark.django_db


def _page(client_for, who: str, audit, agency) -> tuple[int, str]:
    response = client_for(who).get(reverse("audits:participant_auditor", args=[audit.slug, agency.pk]))
    return response.status_code, response.content.decode()


def test_a_lead_officer_is_told_to_ask_a_qa_manager(client_for, audit, agency_a):
    audit.status = AuditStatus.PLANNING
    audit.save(update_fields=["status"])

    status, page = _page(client_for, "lead_officer", audit, agency_a)
    assert status == 200
    assert "ask a QA manager to change the agency&#x27;s auditor in Planning" in page
    assert "on the audit&#x27;s page there" not in page
    assert reverse("admin:audits_audit_change", args=[audit.pk]) not in page

    status, page = _page(client_for, "qa_manager", audit, agency_a)
    assert "on the audit&#x27;s page there" in page
    assert reverse("admin:audits_audit_change", args=[audit.pk]) in page


def test_a_lead_officers_save_from_a_page_opened_before_is_refused_in_the_same_words(
    client_for, audit, agency_a, auditor, colleague
):
    client = client_for("lead_officer")
    audit.status = AuditStatus.PLANNING
    audit.save(update_fields=["status"])
    response = client.post(
        reverse("audits:participant_auditor", args=[audit.slug, agency_a.pk]), {"auditor": colleague.pk}
    )
    assert response.status_code == 409
    assert "ask a QA manager to change the agency&#x27;s auditor in Planning" in response.content.decode()
    assert audit.participants.get(agency=agency_a).auditor == auditor
