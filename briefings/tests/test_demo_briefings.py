"""Both demo audits (the Brighton & Hove and Dudley seeds) make all three editions.

Each PDF's text must hold every section heading and the findings and recommendations entered in
Part B; page 1 of each is left as a PNG in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from agencies.models import User
from audits.models import Audit, AuditStatus, Finding, FindingKind, Recommendation
from briefings import markup, services
from briefings.content import build_content, document_context
from briefings.models import Edition
from briefings.rendering import render_pdf

from .support import DUDLEY_SEED_HEADINGS, page_one_png, pdf_text, squash

pytestmark = pytest.mark.django_db

SHOWN_KINDS = {
    Edition.MANAGERS: {
        FindingKind.STRENGTH,
        FindingKind.THEME,
        FindingKind.KEY_MESSAGE,
        FindingKind.MANAGER_POINT,
        FindingKind.LEARNING_POINT,
    },
    Edition.PRACTITIONERS: {
        FindingKind.STRENGTH,
        FindingKind.THEME,
        FindingKind.KEY_MESSAGE,
        FindingKind.LEARNING_POINT,
        FindingKind.PRACTITIONER_POINT,
    },
    Edition.FULL_REPORT: set(FindingKind.values),
}


@pytest.fixture
def demo(settings):
    settings.DEMO = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return User.objects.get(username="qa.manager")


def words(text: str) -> str:
    return squash(markup.plain_text(text))


@pytest.mark.parametrize("slug", ["bh-cse-2015", "dudley-cse-2017"])
def test_demo_audit_makes_every_edition(demo, slug):
    audit = Audit.objects.get(slug=slug)
    findings = list(Finding.objects.filter(audit=audit))
    recommendations = list(Recommendation.objects.filter(audit=audit))
    assert findings and recommendations, "the demo audit has Part B findings to brief on"
    # The Brighton & Hove audit is open in Part A in the demo; its seed findings are briefed as if it had reached Reporting.
    audit.status = AuditStatus.REPORTING
    audit.save(update_fields=["status"])
    for edition in Edition.values:
        briefing = services.briefing_create(audit=audit, edition=edition, user=demo)
        content = build_content(briefing, number=1, published_at=timezone.now(), published_by="Jo Marsh")
        result = render_pdf(content)
        assert result.refused == [], "the templates fetch nothing but the app's static files"
        text = squash(pdf_text(result.pdf))
        page_one_png(result.pdf, f"briefing-{slug}-{edition}")

        # Every section that has something to show is in the PDF under its heading, in order.
        sections = document_context(content)["sections"]
        assert len(sections) >= 8
        positions = [text.find(squash(s["heading"])) for s in sections]
        assert -1 not in positions, [s["heading"] for s, p in zip(sections, positions, strict=True) if p == -1]
        assert positions == sorted(positions)
        assert "Demo Safeguarding Children Partnership" in text
        assert str(Edition(edition).label) in text
        assert f"Page 1 of {result.pages}" in text

        # The findings entered in Part B, each kind where its edition shows it.
        for finding in findings:
            printed = words(finding.heading) in text and words(finding.body) in text
            if finding.kind in SHOWN_KINDS[edition]:
                assert printed, (edition, finding.kind, finding.heading, finding.body[:60])
            elif finding.kind in (FindingKind.AGENCY_STRENGTH, FindingKind.AGENCY_IMPROVEMENT):
                assert not printed, "per-agency findings are for the full report only"
        # Recommendations, numbered, with their owner.
        if edition != Edition.PRACTITIONERS:
            for rec in recommendations:
                assert words(rec.text) in text
                assert f"Owner: {rec.owner_name}" in text
            # The Part B heatmap is drawn in (its legend is text in the PDF), on a landscape page with
            # its heading and caption; the table of its figures has the last landscape page, with the
            # closing line after it: no page left nearly blank.
            assert "O = Outstanding" in text
            annex = PdfReader(BytesIO(result.pdf)).pages[-2:]
            assert all(page.mediabox.width > page.mediabox.height for page in annex)
            chart, back = (
                squash(subprocess.run(
                    ["pdftotext", "-f", str(number), "-l", str(number), "-", "-"],
                    input=result.pdf, capture_output=True, check=True,
                ).stdout.decode())
                for number in (result.pages - 1, result.pages)
            )  # fmt: skip
            assert chart.count("Annex: grades") == 1 and "Part B heatmap:" in chart
            assert "The same figures: the number of cases given each grade" in back and "Published by" in back
        if edition == Edition.FULL_REPORT:
            assert "Restricted" in text
            judged = audit.cases.filter(judgements__isnull=False).distinct()
            for case in judged:
                assert case.reference in text
            if judged:
                assert "Case-level consensus judgements" in text
        else:
            assert "Case-level consensus judgements" not in text
            assert "Restricted" not in text


def test_demo_briefings_hold_the_seed_sections(demo):
    """The section headings of the two seed briefings, as the managers' and practitioners' editions print them."""
    expected = {
        ("bh-cse-2015", Edition.MANAGERS): [
            "Why we did this audit",
            "Methodology",
            "The audit team",
            "Overall strengths",
            "Recommendations",
            "What next?",
            "Local support",
            "Useful links",
            "Further reading",
            "Training",
            "Feedback",
        ],
        # The published one, edited in the composer as Dudley's was (briefings/demo.py): the seed's order.
        ("dudley-cse-2017", Edition.PRACTITIONERS): DUDLEY_SEED_HEADINGS,
        ("dudley-cse-2017", Edition.MANAGERS): ["Key points for managers"],
    }
    Audit.objects.filter(slug="bh-cse-2015").update(status=AuditStatus.REPORTING)  # open in Part A in the demo
    for (slug, edition), headings in expected.items():
        briefing = services.briefing_create(audit=Audit.objects.get(slug=slug), edition=edition, user=demo)
        shown = [s["heading"] for s in document_context(build_content(briefing))["sections"]]
        assert set(headings) <= set(shown), set(headings) - set(shown)
        assert [h for h in shown if h in headings] == headings, "in the seed's order"
