"""CSV and XLSX exports, and the heatmap (data, SVG chart, page)."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import AccessAction, AccessRecord
from audits.charts import PALETTE, heatmap_key, heatmap_svg, render_heatmap_labels_svg, render_heatmap_svg
from audits.models import Answer, AuditStatus, FindingKind, Grade, PartAReturn, ReturnStatus
from audits.selectors.partb import grade_distribution
from audits.services.partb import finding_add, recommendation_add
from audits.tests.partb_support import build_audit, complete_return

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def filled(audit, qa_manager):
    """Case 1 returned by both agencies (Police: Outstanding, CSW: Good); Case 2 by nobody."""
    audit.status = AuditStatus.PART_B
    audit.save()
    for ret in PartAReturn.objects.filter(audit=audit, case__reference="Case 1"):
        complete_return(ret, ranks=1 if ret.agency.short_name == "Police" else 2)
    police = PartAReturn.objects.get(audit=audit, case__reference="Case 1", agency__short_name="Police")
    police.answers.filter(standard__order=1).update(evidence='=HYPERLINK("http://evil")')
    finding_add(user=qa_manager, audit=audit, kind=FindingKind.STRENGTH, heading="Timely sharing", body="Good.")
    recommendation_add(
        user=qa_manager, audit=audit, text="Review plans", owner="CSE Steering Group", due_date=timezone.localdate()
    )
    return audit


def test_csv_has_one_row_per_answer_and_is_recorded(client, lead_officer, filled):
    client.force_login(lead_officer)
    response = client.get(reverse("audits:export_csv", args=[filled.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:7] == ["Audit", "Case reference", "Agency", "Stage", "Standard code", "Standard", "Grade"]
    assert len(rows) - 1 == Answer.objects.filter(part_a_return__audit=filled).count() == 20
    assert {r[2] for r in rows[1:]} == {"Sussex Police", "Children's Social Work"}
    assert {r[6] for r in rows[1:]} == {"Outstanding", "Good"}
    # A formula in free text is written as text.
    assert '\'=HYPERLINK("http://evil")' in [r[8] for r in rows[1:]]
    record = AccessRecord.objects.get(action=AccessAction.EXPORT)
    assert record.user == lead_officer and record.summary.startswith("CSV export")


def test_xlsx_has_answers_judgements_findings_and_recommendations(client, qa_manager, filled):
    client.force_login(qa_manager)
    response = client.get(reverse("audits:export_xlsx", args=[filled.slug]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert workbook.sheetnames == [
        "Answers",
        "Returns",
        "Cases",
        "Consensus judgements",
        "Findings",
        "Recommendations",
    ]
    answers = list(workbook["Answers"].iter_rows(values_only=True))
    assert answers[0][:3] == ("Audit", "Case reference", "Agency")
    assert len(answers) == 21
    assert answers[1][:3] == ("CSE audit", "Case 1", "Children's Social Work")
    # Never a live formula: a string cell, as typed.
    cells = [cell for row in workbook["Answers"].iter_rows() for cell in row]
    assert '=HYPERLINK("http://evil")' in [cell.value for cell in cells]
    assert not [cell for cell in cells if cell.data_type == "f"]
    findings = list(workbook["Findings"].iter_rows(values_only=True))
    assert findings[1][:5] == ("Overall strength", 1, None, "Timely sharing", "Good.")
    recs = list(workbook["Recommendations"].iter_rows(values_only=True))
    assert recs[1][1:3] == ("Review plans", "CSE Steering Group")
    assert AccessRecord.objects.filter(action=AccessAction.EXPORT, summary__startswith="XLSX export").count() == 1


def test_export_query_count_does_not_grow_with_the_audit(client, qa_manager, django_assert_max_num_queries):
    small = build_audit(agencies=3, cases=2)
    large = build_audit(agencies=15, cases=10)
    client.force_login(qa_manager)
    counts = []
    for audit in (small, large):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("audits:export_csv", args=[audit.slug]))
            rows = b"".join(response.streaming_content).count(b"\n")
        counts.append(len(ctx))
        assert rows == 1 + Answer.objects.filter(part_a_return__audit=audit).count()
    assert counts[0] == counts[1]


# --- Heatmap -----------------------------------------------------------------------------------


def test_grade_distribution_counts_received_involved_answers(filled):
    dist = grade_distribution(filled)
    assert [g.label for g in dist.grades] == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert [a.short_name for a in dist.agencies] == ["CSW", "Police"]
    assert len(dist.rows) == 10
    standard, (csw, police) = dist.rows[0]
    assert csw.counts == [0, 1, 0, 0] and police.counts == [1, 0, 0, 0]
    assert dist.total == 20
    # A draft return does not count; nor does a no-involvement one.
    draft = PartAReturn.objects.get(audit=filled, case__reference="Case 2", agency__short_name="Police")
    complete_return(draft, ranks=4, status=ReturnStatus.DRAFT)
    assert grade_distribution(filled).total == 20


def test_heatmap_svg_is_accessible_escaped_and_writes_the_counts(filled):
    filled.title = 'CSE <script>alert("x")</script> & more'
    filled.save()
    svg = heatmap_svg(filled)
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "20 graded answers" in desc.text and "Outstanding 10, Good 10" in desc.text
    # Counts are written in the cells: 10 standards × 2 agencies × 4 grades.
    cell_texts = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle" and t.text.isdigit()]
    assert len(cell_texts) == 80 and cell_texts.count("1") == 20
    assert "style=" not in svg and "<script" not in svg
    assert "O = Outstanding" in svg and "RI = Requires improvement" in svg


def test_the_heatmap_pages_column_of_standards_repeats_the_charts_and_is_hidden_from_screen_readers(filled):
    """Laid over the chart's own at its left in large type (it stays there while the chart scrolls): the
    same texts at the same heights, on white, from below the key to the foot; screen readers have the chart's."""
    standard = grade_distribution(filled).rows[0][0]
    standard.text = 'Seen <script>alert("x")</script> & heard'
    standard.save()
    dist = grade_distribution(filled)
    svg = render_heatmap_labels_svg(dist)
    chart, labels = ET.fromstring(heatmap_svg(filled)), ET.fromstring(svg)
    assert labels.get("aria-hidden") == "true" and labels.get("role") is None
    assert "<script" not in svg and "&lt;script&gt;" in svg and "style=" not in svg
    rows = [(g.find(f"{SVG}text").text, g.find(f"{SVG}text").get("y")) for g in chart.iter(f"{SVG}g")]
    assert [(t.text, t.get("y")) for t in labels.iter(f"{SVG}text")] == rows
    assert len(rows) == 10 and rows[0][0].startswith(f"{standard.code} Seen <script>")
    _x, top, width, height = (float(n) for n in labels.get("viewBox").split())
    _x, _y, _w, chart_height = (float(n) for n in chart.get("viewBox").split())
    assert top + height == chart_height and width == 310
    assert labels.find(f"{SVG}rect").get("fill") == "#ffffff"


def test_heatmap_svg_for_an_audit_without_answers(audit):
    root = ET.fromstring(heatmap_svg(audit))
    assert "0 graded answers" in root.find(f"{SVG}desc").text


def test_heatmap_page_has_the_svg_inline_and_the_table(client, auditor, filled):
    client.force_login(auditor)  # the audit team reads it during Part B
    html = client.get(reverse("audits:heatmap", args=[filled.slug])).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="heatmap-svg" role="img"' in html
    assert "data:image" not in html
    assert '<table class="table table-sm table-bordered heatmap-table"' in html
    assert Grade.objects.filter(label="Requires improvement").exists()


def test_heatmap_query_count_does_not_grow(client, qa_manager, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = build_audit(agencies=3, cases=2)
    large = build_audit(agencies=15, cases=10)
    client.force_login(qa_manager)
    counts = []
    for audit in (small, large, small):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("audits:heatmap", args=[audit.slug])).status_code == 200
        counts.append(len(ctx))
    assert counts[1] == counts[2]


def test_the_heatmap_pages_chart_leaves_its_key_to_the_page(client, auditor, filled):
    """On the page the key is above the chart, not in it (it stays in view while the chart is scrolled): the
    same steps, abbreviations and colours; the chart and its column of standards start at its headers."""
    dist = grade_distribution(filled)
    key = heatmap_key(dist)
    assert [f"{step['abbreviation']} = {step['label']}" for step in key] == [
        "O = Outstanding",
        "G = Good",
        "RI = Requires improvement",
        "I = Inadequate",
    ]
    assert [step["colour"] for step in key] == [PALETTE[0], PALETTE[2], PALETTE[4], PALETTE[6]]
    svg = render_heatmap_svg(dist, key=False)
    assert "= Outstanding" not in svg and "style=" not in svg
    chart, labels = ET.fromstring(svg), ET.fromstring(render_heatmap_labels_svg(dist, key=False))
    _x, _y, _w, keyed_height = (float(n) for n in ET.fromstring(render_heatmap_svg(dist)).get("viewBox").split())
    _x, _y, _w, chart_height = (float(n) for n in chart.get("viewBox").split())
    assert chart_height == keyed_height - 40
    rows = [(g.find(f"{SVG}text").text, g.find(f"{SVG}text").get("y")) for g in chart.iter(f"{SVG}g")]
    assert [(t.text, t.get("y")) for t in labels.iter(f"{SVG}text")] == rows
    _x, top, _w, height = (float(n) for n in labels.get("viewBox").split())
    assert top == 10 and top + height == chart_height
    client.force_login(auditor)
    html = client.get(reverse("audits:heatmap", args=[filled.slug])).content.decode()
    assert html.count("= Requires improvement") == 1 and "</svg> RI = Requires improvement</li>" in html
    assert f'fill="{PALETTE[4]}"' in html
