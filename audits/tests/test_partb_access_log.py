"""Part B's access records name what was done to which object, never a grade or free text: the
administrator, who has no access to case content, reads the access log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from audits.models import (
    AuditStatus,
    FindingKind,
    Grade,
    PartAReturn,
    PartBSession,
    RecommendationStatus,
    Section,
)
from audits.services.partb import (
    finding_add,
    finding_delete,
    finding_move,
    finding_promote,
    finding_update,
    judgement_record,
    recommendation_add,
    recommendation_transition,
    recommendation_update,
)
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db

SECRETS = [
    "Reasons naming the child's school",
    "Heading about the stepfather",
    "Body about the missing episodes",
    "Changed heading about the stepfather",
    "Strength text about the foster carer",
    "Recommendation text about the CSE panel",
    "Reworded recommendation text",
    "Impact evidence from the re-audit",
]


def test_no_part_b_access_record_carries_a_grade_or_free_text(qa_manager, audit):
    audit.status = AuditStatus.PART_B
    audit.save()
    case = audit.cases.select_related("audit__tool_version").get(reference="Case 1")
    ret = PartAReturn.objects.filter(audit=audit, case=case).first()
    complete_return(ret, strengths="Strength text about the foster carer")
    grades = list(Grade.objects.filter(scale_id=audit.tool_version.scale_id))
    stage = Section.objects.filter(version_id=audit.tool_version_id).order_by("order").first()

    for section in (stage, None):
        for grade in grades:
            judgement_record(
                user=qa_manager, case=case, section=section, grade=grade, reasons="Reasons naming the child's school"
            )
    first = finding_add(
        user=qa_manager, audit=audit, kind=FindingKind.THEME, heading="Heading about the stepfather", body="x"
    )
    second = finding_add(user=qa_manager, audit=audit, kind=FindingKind.THEME, body="Body about the missing episodes")
    finding_update(user=qa_manager, finding=first, heading="Changed heading about the stepfather", body="")
    finding_move(user=qa_manager, finding=second, direction="up")
    promoted, _created = finding_promote(
        user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH
    )
    first_pk = first.pk
    finding_delete(user=qa_manager, finding=first)
    due = timezone.localdate() + datetime.timedelta(days=60)
    rec = recommendation_add(
        user=qa_manager, audit=audit, text="Recommendation text about the CSE panel", owner="Panel", due_date=due
    )
    rec = recommendation_update(
        user=qa_manager, recommendation=rec, text="Reworded recommendation text", owner="Panel", due_date=due
    )
    recommendation_transition(
        user=qa_manager,
        recommendation=rec,
        to_status=RecommendationStatus.COMPLETE,
        impact_evidence="Impact evidence from the re-audit",
    )

    summaries = list(AccessRecord.objects.filter(action=AccessAction.CHANGE).values_list("summary", flat=True))
    assert len(summaries) == 2 * len(grades) + 9
    for summary in summaries:
        assert not any(secret.lower() in summary.lower() for secret in SECRETS), summary
        assert not any(grade.label in summary for grade in grades), summary
    # What they do say: the kind of change and which object.
    assert f"Consensus judgement recorded for Case 1 ({stage.title})" in summaries
    assert "Consensus judgement recorded for Case 1 (overall)" in summaries
    assert f"Finding deleted: #{first_pk} (Emerging theme / risk factor)" in summaries
    assert f"Promoted from {ret} (strengths) to #{promoted.pk} (Overall strength)" in summaries
    assert f"Recommendation #{rec.pk}: Open → Complete" in summaries


# --- Pages that show case-level data write a VIEW record on GET ----------------------------------

CASE_LEVEL_PAGES = {
    # name: what the page shows of the cases
    "audits:session": "Part B session of",  # the notes
    "audits:boards": "Evidence boards:",  # each case's overall consensus grade
    "audits:findings": "Findings:",  # which cases are cited for which risk factor
    "audits:dashboard": "Progress dashboard:",  # each case's progress, agency by agency
}


@pytest.mark.parametrize("name", CASE_LEVEL_PAGES)
def test_each_case_level_page_records_who_viewed_it(client, qa_manager, lead_officer, audit, name):
    audit.status = AuditStatus.PART_B
    audit.save()
    PartBSession.objects.create(audit=audit, notes="Notes naming the child's school")
    client.force_login(lead_officer)

    assert client.get(reverse(name, args=[audit.slug])).status_code == 200

    record = AccessRecord.objects.get(action=AccessAction.VIEW)
    assert record.user == lead_officer
    assert (record.object_type, record.object_id) == ("audits.audit", str(audit.pk))
    assert record.summary == f"{CASE_LEVEL_PAGES[name]} {audit}"
    assert record.path == reverse(name, args=[audit.slug])
    assert "school" not in record.summary
