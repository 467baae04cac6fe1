"""Who read Part B's case-level pages is recorded, and so is every refused id on them.

The audit's pages were already: these are the objects inside an audit the person may open (a case on
its board, a finding, a recommendation) looked up by an id that is not the audit's, and the pages of
case detail that had no record of being read (the finding's page, the heatmap, Planning's audit page).
"""

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus, FindingKind
from audits.tests.factories import FindingFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def part_b_audit(audit):
    audit.status = AuditStatus.PART_B
    audit.save()
    return audit


def _refusals(object_type: str):
    return AccessRecord.objects.filter(action=AccessAction.REFUSED, object_type=object_type)


def test_a_case_of_another_audit_on_the_board_is_refused_and_recorded(client, qa_manager, part_b_audit, other_audit):
    client.force_login(qa_manager)
    foreign = other_audit.cases.get()
    board = reverse("audits:evidence_board", args=[part_b_audit.slug, foreign.pk])
    assert client.get(board).status_code == 404
    judgement = reverse("audits:judgement", args=[part_b_audit.slug, foreign.pk])
    assert client.post(judgement, {"section": ""}).status_code == 404
    records = list(_refusals("audits.case").values_list("user__username", "object_id"))
    assert records == [(qa_manager.username, str(foreign.pk))] * 2
    # The audit's own case opens, and is recorded as read, not refused.
    own = part_b_audit.cases.order_by("order").first()
    assert client.get(reverse("audits:evidence_board", args=[part_b_audit.slug, own.pk])).status_code == 200
    assert _refusals("audits.case").count() == 2


def test_a_finding_or_recommendation_of_another_audit_is_refused_and_recorded(
    client, lead_officer, part_b_audit, other_audit
):
    client.force_login(lead_officer)
    finding = FindingFactory(audit=other_audit, kind=FindingKind.STRENGTH)
    rec = RecommendationFactory(audit=other_audit)
    assert client.get(reverse("audits:finding_edit", args=[part_b_audit.slug, finding.pk])).status_code == 404
    assert client.post(reverse("audits:finding_delete", args=[part_b_audit.slug, finding.pk])).status_code == 404
    assert client.get(reverse("audits:recommendation_edit", args=[part_b_audit.slug, rec.pk])).status_code == 404
    assert [r.object_id for r in _refusals("audits.finding")] == [str(finding.pk)] * 2
    assert [r.object_id for r in _refusals("audits.recommendation")] == [str(rec.pk)]
    # An id that is nobody's is refused the same way.
    assert client.get(reverse("audits:finding_edit", args=[part_b_audit.slug, 987654])).status_code == 404
    assert _refusals("audits.finding").filter(object_id="987654").count() == 1


def test_reading_a_finding_is_recorded_without_its_text(client, qa_manager, part_b_audit):
    client.force_login(qa_manager)
    finding = FindingFactory(audit=part_b_audit, kind=FindingKind.STRENGTH, heading="Swift joint visit to Case 1")
    assert client.get(reverse("audits:finding_edit", args=[part_b_audit.slug, finding.pk])).status_code == 200
    [record] = AccessRecord.objects.filter(action=AccessAction.VIEW, object_type="audits.finding")
    assert record.object_id == str(finding.pk) and record.user == qa_manager
    assert "Swift joint visit" not in record.summary and f"#{finding.pk}" in record.summary


def test_reading_the_heatmap_is_recorded(client, auditor, part_b_audit):
    client.force_login(auditor)  # the audit's auditors read it during Part B
    assert client.get(reverse("audits:heatmap", args=[part_b_audit.slug])).status_code == 200
    [record] = AccessRecord.objects.filter(action=AccessAction.VIEW, summary__startswith="Grade heatmap")
    assert record.user == auditor and record.object_id == str(part_b_audit.pk)


def test_opening_an_audit_in_planning_is_recorded(client, qa_manager, audit):
    client.force_login(qa_manager)
    assert client.get(reverse("admin:audits_audit_change", args=[audit.pk])).status_code == 200
    [record] = AccessRecord.objects.filter(action=AccessAction.VIEW, object_type="audits.audit")
    assert record.user == qa_manager and record.object_id == str(audit.pk)
    assert record.summary == f"Planning: viewed {audit}"
    # The list of audits names no case: not recorded as reading one.
    assert client.get(reverse("admin:audits_audit_changelist")).status_code == 200
    assert AccessRecord.objects.filter(action=AccessAction.VIEW).count() == 1


def test_reading_the_recommendations_which_quote_the_findings_is_recorded(client, lead_officer, part_b_audit):
    """Their form lists the audit's findings to cite, a finding promoted from a return (no heading) by the
    first words of that return's text: case content, recorded as read as the findings page is."""
    client.force_login(lead_officer)
    quoted = "Mother disclosed the visits of her boyfriend"
    FindingFactory(audit=part_b_audit, kind=FindingKind.STRENGTH, heading="", body=quoted)
    rec = RecommendationFactory(audit=part_b_audit)

    page = client.get(reverse("audits:recommendations", args=[part_b_audit.slug]))
    one = client.get(reverse("audits:recommendation_edit", args=[part_b_audit.slug, rec.pk]))

    assert quoted in page.content.decode() and quoted in one.content.decode()
    records = AccessRecord.objects.filter(action=AccessAction.VIEW).order_by("pk")
    assert [(r.object_type, r.object_id, r.summary) for r in records] == [
        ("audits.audit", str(part_b_audit.pk), f"Recommendations: {part_b_audit}"),
        ("audits.recommendation", str(rec.pk), f"Recommendation #{rec.pk} of {part_b_audit}"),
    ]
    assert all(r.user == lead_officer and r.audit_id == part_b_audit.pk for r in records)
