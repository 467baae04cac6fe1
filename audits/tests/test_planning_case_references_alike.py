"""Two cases of one audit whose references differ only in capitals or spaces ("Case 1", "case 1", "Case1")
are the same pseudonym written twice: Planning refused "Case 1" typed twice but saved these as three cases,
which Part A, the boards and the exports then listed side by side, an auditor unable to tell which child is
which. Refused, naming both, whether both are typed on the page or one was saved before."""

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus, Case
from audits.tests.admin_support import admin_form_data, page_text
from audits.tests.factories import AuditFactory, AuditThemeFactory, CaseFactory, make_tool_version

pytestmark = pytest.mark.django_db


def new_audit(theme, version, lead, cases) -> dict:
    data = {
        "title": "Neglect audit 2026",
        "slug": "neglect-audit-2026",
        "theme": theme.pk,
        "scope_question": "Is neglect recognised early?",
        "tool_version": version.pk,
        "lead_officer": lead.pk,
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
        "cases-TOTAL_FORMS": str(len(cases)),
        "cases-INITIAL_FORMS": "0",
    }
    for i, reference in enumerate(cases):
        data.update({f"cases-{i}-reference": reference, f"cases-{i}-age_band": "13-15", f"cases-{i}-gender": "female"})
    return data


def test_references_differing_only_in_capitals_or_spaces_are_refused_on_a_new_audit(client, qa_manager, lead_officer):
    client.force_login(qa_manager)
    data = new_audit(
        AuditThemeFactory(),
        make_tool_version(standards=2, sections=1),
        lead_officer,
        ["Case 1", "case 1", "Case 2", "CASE2"],
    )

    response = client.post(reverse("admin:audits_audit_add"), data)

    assert response.status_code == 200
    page = page_text(response)
    assert "“case 1” is the same reference as “Case 1”" in page
    assert "“CASE2” is the same reference as “Case 2”" in page
    assert not Audit.objects.exists()
    # What was typed is kept.
    assert 'value="CASE2"' in response.content.decode()


def test_a_reference_like_one_saved_before_is_refused_and_a_row_may_change_its_own_capitals(client, qa_manager):
    audit = AuditFactory(status=AuditStatus.PLANNING)
    CaseFactory(audit=audit, reference="Case 1", order=1)
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_change", args=[audit.pk])

    data = admin_form_data(client, url)
    data.update(
        {
            "cases-TOTAL_FORMS": "2",
            "cases-1-reference": "CASE  1",
            "cases-1-age_band": "16-17",
            "cases-1-gender": "male",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "“CASE 1” is the same reference as “Case 1”" in page_text(response)
    assert list(audit.cases.values_list("reference", flat=True)) == ["Case 1"]

    # Its own row written differently is not another case: saved.
    data = admin_form_data(client, url)
    data["cases-0-reference"] = "CASE 1"
    assert client.post(url, data).status_code == 302
    assert list(audit.cases.values_list("reference", flat=True)) == ["CASE 1"]

    # Nor is one case removed while another takes its reference.
    data = admin_form_data(client, url)
    data.update(
        {
            "cases-0-DELETE": "on",
            "cases-TOTAL_FORMS": "2",
            "cases-1-reference": "case 1",
            "cases-1-age_band": "16-17",
            "cases-1-gender": "male",
        }
    )
    assert client.post(url, data).status_code == 302
    assert list(Case.objects.filter(audit=audit).values_list("reference", flat=True)) == ["case 1"]
