"""A change of an audit's lead officer in its plan (Planning in Administration) is in the access log in its own
words, who was lead officer and who is now (usernames only), as the app's Change auditor records a change of
an agency's auditor; a save that leaves the lead officer as they were records no such line."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import Audit, AuditStatus
from audits.tests.admin_support import admin_form_data

pytestmark = pytest.mark.django_db


def lead_changes(audit) -> list[str]:
    records = AccessRecord.objects.filter(
        action=AccessAction.CHANGE, audit_id=audit.pk, summary__startswith="Lead officer changed"
    )
    return list(records.order_by("pk").values_list("summary", flat=True))


@pytest.mark.parametrize("status", [AuditStatus.PLANNING, AuditStatus.PART_B])
def test_the_lead_officer_changed_in_the_plan_is_in_the_access_log(
    client, audit, qa_manager, lead_officer, other_lead, status
):
    Audit.objects.filter(pk=audit.pk).update(status=status)
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    client.force_login(qa_manager)

    data = admin_form_data(client, url)
    assert client.post(url, data | {"what_next": "A briefing in June"}).status_code == 302
    assert lead_changes(audit) == []  # saved for something else: not a change of lead officer

    data = admin_form_data(client, url)
    assert client.post(url, data | {"lead_officer": other_lead.pk}).status_code == 302
    assert lead_changes(audit) == ["Lead officer changed: lead → other.lead"]
    record = AccessRecord.objects.get(summary="Lead officer changed: lead → other.lead")
    assert record.user == qa_manager

    data = admin_form_data(client, url)
    data.pop("lead_officer")  # nobody chosen
    assert client.post(url, data).status_code == 302
    data = admin_form_data(client, url)
    assert client.post(url, data | {"lead_officer": lead_officer.pk}).status_code == 302
    assert lead_changes(audit) == [
        "Lead officer changed: lead → other.lead",
        "Lead officer changed: other.lead → (none)",
        "Lead officer changed: (none) → lead",
    ]
