"""Planning, an audit's agencies and their auditors: an auditor chosen for an agency they do not work for is
refused naming the person and both agencies (the page may list several agencies, and said only "The auditor
must work for this agency."). The Auditor list already names each person's agency: "Ann Lee (Police)"."""

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus
from audits.tests.admin_support import admin_form_data, page_text, row_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def planning(audit) -> Audit:
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PLANNING)
    return Audit.objects.get(pk=audit.pk)


def test_an_auditor_of_another_agency_is_refused_by_name(client, qa_manager, planning, agency_a, other_auditor):
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_change", args=[planning.pk])
    data = admin_form_data(client, url)
    row = row_of(data, planning.participants.get(agency=agency_a).pk, "participants")
    data[f"{row}-auditor"] = other_auditor.pk  # works for agency B

    page = client.post(url, data)
    assert page.status_code == 200
    text = page_text(page)
    b, a = other_auditor.agency.name, agency_a.name
    assert f"{other_auditor} works for {b}, not {a}: choose one of {a}'s managers or practitioners." in text
    assert "The auditor must work for this agency." not in text
    assert planning.participants.get(agency=agency_a).auditor.agency == agency_a
