"""A purged audit's returns do not count as less answered than they were: the purge empties the evidence
that is a text-only standard's whole answer, so "11 of 12 standards" would read as a gap the auditor
left. Where the detail was removed, the pages say so instead of a count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.models import Answer, AnswerType, AuditStatus, PartAReturn, ReturnStatus, Standard
from audits.services.retention import audit_purge_case_detail

pytestmark = pytest.mark.django_db

COUNT = "2 of 2 standards"


@pytest.fixture
def answered_audit(audit):
    """Every return answered in full: a grade with evidence, and a text-only standard."""
    section = audit.tool_version.sections.first()
    graded = section.standards.first()
    Standard.objects.filter(section__version=audit.tool_version).exclude(pk=graded.pk).delete()
    text = Standard.objects.create(section=section, order=99, text="What else?", answer_type=AnswerType.TEXT)
    grade = audit.tool_version.scale.grades.get(rank=2)
    for r in PartAReturn.objects.filter(audit=audit):
        Answer.objects.create(part_a_return=r, standard=graded, grade=grade, evidence="Seen by the duty team.")
        Answer.objects.create(part_a_return=r, standard=text, evidence="The school was not asked.")
        r.status = ReturnStatus.ACCEPTED
        r.save()
    audit.status = AuditStatus.CLOSED
    audit.save()
    return audit


def _pages(client, audit, auditor):
    ret = PartAReturn.objects.filter(audit=audit, agency=auditor.agency).order_by("pk").first()
    detail = client.get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
    listed = client.get(reverse("audits:audit_returns", args=[audit.slug])).content.decode()
    return detail, listed


def test_a_purged_audits_returns_say_detail_removed_not_a_smaller_count(client, qa_manager, answered_audit, auditor):
    client.force_login(qa_manager)
    detail, listed = _pages(client, answered_audit, auditor)
    assert f"{COUNT} answered." in detail and COUNT in listed

    audit_purge_case_detail(audit=answered_audit)

    detail, listed = _pages(client, answered_audit, auditor)
    assert "1 of 2 standards" not in detail and "1 of 2 standards" not in listed
    assert 'data-testid="purged-notice"' in detail
    assert "Detail removed" in listed and "standards" not in listed.split("<tbody>")[1]
