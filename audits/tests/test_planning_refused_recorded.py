"""An audit's Planning pages list its cases (age band, gender, risk factors). Refused to an administrator, who
has no access to case content, they are recorded in the access log as refused, naming the audit, as every
refused access to a protected object is (docs/permissions.md): the page, its history (which names the cases
changed) and its deletion, viewed or posted. The QA manager, who plans, is recorded as reading it, and a
deletion refused to them (an audit with work) is not recorded as a refusal."""

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from agencies.selectors import access_records_matching

pytestmark = pytest.mark.django_db


def _refusals(user):
    return list(AccessRecord.objects.filter(action=AccessAction.REFUSED, user=user))


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_an_audits_planning_page_refused_to_the_administrator_is_recorded(client, administrator, audit, page):
    administrator.is_superuser = True  # as createsuperuser makes: Planning is still not theirs
    administrator.save()
    client.force_login(administrator)

    response = client.get(reverse(f"admin:audits_audit_{page}", args=[audit.pk]))

    assert response.status_code == 403
    [record] = _refusals(administrator)
    assert (record.object_type, record.object_id, record.audit_id) == ("audits.audit", str(audit.pk), audit.pk)
    assert record.summary == "Planning of audit cse-audit"
    assert record in access_records_matching(audit=audit)


def test_a_post_to_an_audits_planning_page_refused_is_recorded(client, administrator, audit):
    client.force_login(administrator)

    response = client.post(reverse("admin:audits_audit_change", args=[audit.pk]), {"title": "Renamed"})

    assert response.status_code == 403
    assert [r.audit_id for r in _refusals(administrator)] == [audit.pk]
    audit.refresh_from_db()
    assert audit.title == "CSE audit"


def test_the_qa_manager_reads_it_and_a_deletion_refused_to_them_is_no_refusal(client, qa_manager, audit):
    """The cast's audit is in Part A: it is not deleted (it keeps its tool, agencies and cases)."""
    client.force_login(qa_manager)
    assert client.get(reverse("admin:audits_audit_change", args=[audit.pk])).status_code == 200

    assert client.get(reverse("admin:audits_audit_delete", args=[audit.pk])).status_code == 403

    assert _refusals(qa_manager) == []
    assert AccessRecord.objects.filter(action=AccessAction.VIEW, user=qa_manager, audit=audit).exists()
