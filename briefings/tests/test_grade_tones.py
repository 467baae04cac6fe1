"""The full report's "Consensus judgement on each case" table colours each grade by its position in the
audit's scale (audits.grade_colours, as the heatmap does), so a partnership's own scale is coloured too.
A version published before keeps the colours of its four Ofsted codes."""

from __future__ import annotations

import re

import pytest

from audits.models import AuditStatus, Grade, Section
from audits.services.partb import judgement_record
from briefings.content import build_content
from briefings.models import Edition
from briefings.rendering import render_html

pytestmark = pytest.mark.django_db


def _cells(html: str) -> list[tuple[str, str]]:
    table = html.split('<table class="doc-table judgements">')[1].split("</table>")[0]
    return re.findall(r'<td class="grade-cell([^"]*)">([^<]*)</td>', table)


def test_a_partnerships_own_grades_are_coloured_by_their_place_in_the_scale(findings_audit, make_briefing, qa_manager):
    scale_id = findings_audit.tool_version.scale_id
    Grade.objects.filter(scale_id=scale_id, rank=4).delete()
    for rank, code, label in [(1, "good-enough", "Good enough"), (2, "adequate", "Adequate"), (3, "poor", "Poor")]:
        Grade.objects.filter(scale_id=scale_id, rank=rank).update(code=code, label=label)
    grades = {g.rank: g for g in Grade.objects.filter(scale_id=scale_id)}
    findings_audit.status = AuditStatus.PART_B
    findings_audit.save(update_fields=["status"])
    case = findings_audit.cases.get(reference="Case 1")
    first, second = Section.objects.filter(version_id=findings_audit.tool_version_id).order_by("order")[:2]
    judgement_record(user=qa_manager, case=case, section=first, grade=grades[1], reasons="")
    judgement_record(user=qa_manager, case=case, section=second, grade=grades[3], reasons="")
    judgement_record(user=qa_manager, case=case, section=None, grade=grades[2], reasons="Agreed.")

    content = build_content(make_briefing(Edition.FULL_REPORT))
    cells = _cells(render_html(content))

    assert (" grade-tone-0", "Good enough") in cells
    assert (" grade-tone-6", "Poor") in cells
    assert (" overall grade-tone-3", "Adequate") in cells
    assert content["case_judgements"]["rows"][0]["overall"] == ["Adequate", "adequate", "grade-tone-3"]


def test_a_version_published_before_keeps_the_colours_of_its_ofsted_codes(findings_audit, make_briefing):
    content = build_content(make_briefing(Edition.FULL_REPORT))
    content["case_judgements"] = {
        "stages": ["Response"],
        "rows": [{"reference": "Case 1", "stages": [["Good", "good"]], "overall": ["", ""], "reasons": ""}],
    }
    assert _cells(render_html(content)) == [(" grade-good", "Good"), (" overall", "–")]
