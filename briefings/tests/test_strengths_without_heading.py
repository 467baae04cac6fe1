"""A strength without a heading is a strength of its own, not the last paragraph of the titled one before it
(the seed's strengths have no headings; the review gave five of six a heading and refreshed)."""

from __future__ import annotations

import re

import pytest

from audits.models import FindingKind
from audits.tests.factories import FindingFactory
from briefings import markup, services
from briefings.models import Edition

pytestmark = pytest.mark.django_db


def _blocks(html: str) -> list[str]:
    return re.findall(r'<div class="titled-block">(.*?)</div>', html)


def test_a_line_of_dashes_ends_a_titled_block():
    html = markup.render("## Information sharing\nTimely.\n---\nThe voice of the child is heard.\n\n## Joint\nGood.")
    assert _blocks(html) == [
        '<h3 class="block-title">Information sharing</h3><p>Timely.</p>',
        '<h3 class="block-title">Joint</h3><p>Good.</p>',
    ]
    assert "<p>The voice of the child is heard.</p>" in html.split("</div>")[1]
    assert "---" not in html


def test_a_line_of_dashes_with_no_titled_block_open_prints_nothing():
    assert markup.render("---") == ""
    assert markup.parse("-----\n\n---") == []
    assert markup.render("First.\n\n---\n\nSecond.") == "<p>First.</p><p>Second.</p>"


def test_refresh_from_findings_keeps_a_strength_without_a_heading_out_of_the_one_before(findings_audit, qa_manager):
    findings_audit.findings.filter(kind=FindingKind.STRENGTH).delete()
    for n in range(1, 6):
        FindingFactory(
            audit=findings_audit, kind=FindingKind.STRENGTH, heading=f"Strength {n}", body=f"Text {n}.", order=n
        )
    FindingFactory(
        audit=findings_audit, kind=FindingKind.STRENGTH, heading="", body="A sixth, without a heading.", order=6
    )
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)
    section = briefing.sections.get(key="strengths")
    services.briefing_section_refresh(section=section, user=qa_manager)
    section.refresh_from_db()

    html = markup.render(section.body)
    blocks = _blocks(html)
    assert len(blocks) == 5
    assert blocks[4] == '<h3 class="block-title">Strength 5</h3><p>Text 5.</p>'
    assert html.endswith("</div><p>A sixth, without a heading.</p>")


def test_strengths_without_headings_print_as_paragraphs_as_before(findings_audit, qa_manager):
    findings_audit.findings.filter(kind=FindingKind.STRENGTH).delete()
    for n in range(1, 3):
        FindingFactory(audit=findings_audit, kind=FindingKind.STRENGTH, heading="", body=f"Text {n}.", order=n)
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)
    body = briefing.sections.get(key="strengths").body
    assert body == "Text 1.\n\nText 2."
