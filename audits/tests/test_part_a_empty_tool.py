"""Part A does not open with a tool version that has no standards, or whose scale has fewer than two
grades: once a return is made with a version it is fixed, and the audit would have nothing an auditor
could submit. The QA manager is told why, and what to do, on the audit's page."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audits.models import AuditStatus, GradeScale, PartAReturn, Standard, ToolVersion
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory, make_tool_version

pytestmark = pytest.mark.django_db


def planned(agency_a, auditor, version: ToolVersion):
    audit = AuditFactory(title="Neglect audit", slug="neglect", status=AuditStatus.PLANNING, tool_version=version)
    AuditAgencyFactory(audit=audit, agency=agency_a, auditor=auditor)
    CaseFactory(audit=audit, reference="Case 1", order=1)
    return audit


def open_part_a(client, audit) -> list[str]:
    response = client.post(reverse("audits:audit_status", args=[audit.slug]), {"to_status": AuditStatus.PART_A})
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_version_without_standards_does_not_open(client, qa_manager, agency_a, auditor):
    version = make_tool_version(standards=0, sections=1)
    audit = planned(agency_a, auditor, version)
    client.force_login(qa_manager)

    said = open_part_a(client, audit)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNING and not PartAReturn.objects.filter(audit=audit).exists()
    assert any(f"{version}, has no standards" in m for m in said), said


def test_a_scale_of_fewer_than_two_grades_does_not_open_a_graded_tool(client, qa_manager, agency_a, auditor):
    version = make_tool_version(standards=2, sections=1)
    version.scale = GradeScale.objects.create(name="Empty scale")
    version.save()
    audit = planned(agency_a, auditor, version)
    client.force_login(qa_manager)

    said = open_part_a(client, audit)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNING
    assert any("Empty scale, has fewer than two grades" in m for m in said), said

    # Evidence only, the scale is not asked for: it opens.
    Standard.objects.filter(section__version=version).update(answer_type="text")
    open_part_a(client, audit)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.PART_A
