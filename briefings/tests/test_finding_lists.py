"""A list pasted into one Part B finding prints as that many points, not one run-on bullet, and a
finding's further paragraphs stay paragraphs of their own (notes under its point)."""

from __future__ import annotations

import pytest

from audits.models import FindingKind
from audits.tests.factories import FindingFactory
from briefings import markup, prefill, services
from briefings.models import Edition

pytestmark = pytest.mark.django_db

TICKS = (
    "✓ Understanding of CSE across agencies\n"
    "✓ Information sharing between professionals\n"
    "✓ Professionals' curiosity about the child's networks"
)


def _section(findings_audit, qa_manager, key, edition=Edition.MANAGERS):
    briefing = services.briefing_create(audit=findings_audit, edition=edition, user=qa_manager)
    section = briefing.sections.get(key=key)
    services.briefing_section_refresh(section=section, user=qa_manager)
    section.refresh_from_db()
    return section.body


def test_a_list_in_a_finding_without_a_heading_is_that_many_points(findings_audit, qa_manager):
    findings_audit.findings.filter(kind=FindingKind.LEARNING_POINT).delete()
    FindingFactory(audit=findings_audit, kind=FindingKind.LEARNING_POINT, heading="", body=TICKS, order=1)
    FindingFactory(audit=findings_audit, kind=FindingKind.LEARNING_POINT, heading="", body="Plan ahead.", order=2)

    html = markup.render(_section(findings_audit, qa_manager, "learning_points"))
    assert html == (
        '<ul class="bullets"><li>Understanding of CSE across agencies</li>'
        "<li>Information sharing between professionals</li>"
        "<li>Professionals&#x27; curiosity about the child&#x27;s networks</li>"
        "<li>Plan ahead.</li></ul>"
    )


def test_a_list_under_a_heading_is_the_points_within_the_headings_point(findings_audit, qa_manager):
    findings_audit.findings.filter(kind=FindingKind.MANAGER_POINT).delete()
    FindingFactory(audit=findings_audit, kind=FindingKind.MANAGER_POINT, heading="Strengths seen", body=TICKS)

    html = markup.render(_section(findings_audit, qa_manager, "manager_points"))
    assert html == (
        '<ul class="bullets"><li><strong>Strengths seen</strong><ul class="bullets">'
        "<li>Understanding of CSE across agencies</li><li>Information sharing between professionals</li>"
        "<li>Professionals&#x27; curiosity about the child&#x27;s networks</li></ul></li></ul>"
    )


def test_further_paragraphs_of_a_finding_stay_paragraphs_under_its_point(findings_audit, qa_manager):
    findings_audit.findings.filter(kind=FindingKind.KEY_MESSAGE).delete()
    FindingFactory(
        audit=findings_audit,
        kind=FindingKind.KEY_MESSAGE,
        heading="Supervision",
        body="Ensure staff receive\nquality supervision.\n\nThe group agreed:\n1. monthly\n2. recorded\n\nReview in 2026.",
    )
    body = _section(findings_audit, qa_manager, "key_messages")
    assert body == (
        "- **Supervision:** Ensure staff receive quality supervision.\n"
        "  The group agreed:\n"
        "  1. monthly\n"
        "  2. recorded\n"
        "  Review in 2026."
    )
    html = markup.render(body)
    assert html == (
        '<ul class="bullets"><li><strong>Supervision:</strong> Ensure staff receive quality supervision.'
        '<span class="item-note">The group agreed:</span>'
        '<ol class="numbered"><li data-number="1">monthly</li><li data-number="2">recorded</li></ol>'
        '<span class="item-note">Review in 2026.</span></li></ul>'
    )


def test_one_paragraph_findings_are_written_as_before():
    assert prefill._points("Promote", "the guide to good\nmulti-agency working") == [
        "- **Promote** the guide to good multi-agency working"
    ]
    assert prefill._points("", "Children going missing from school repeatedly") == [
        "- Children going missing from school repeatedly"
    ]
    assert prefill._points("Heading only", "") == ["- **Heading only**"]


def test_points_within_a_listed_point_and_their_notes_keep_their_place():
    text = "- Understanding\n  note one\n  a) first\n  b) second\n     its note\n- Sharing"
    assert prefill._points("", text) == [
        "- Understanding",
        "  note one",
        "  a. first",
        "  b. second",
        "    its note",
        "- Sharing",
    ]
    # Under a heading the listed points are a level down already: their own points become notes.
    assert prefill._points("Seen", text) == [
        "- **Seen**",
        "  - Understanding",
        "    note one",
        "    first",
        "    second",
        "    its note",
        "  - Sharing",
    ]
    assert markup.plain_text("\n".join(prefill._points("Seen", text))) == (
        "Seen Understanding note one first second its note Sharing"
    )


def test_agency_findings_and_themes_keep_a_pasted_list_too(findings_audit, agency_a, qa_manager):
    FindingFactory(
        audit=findings_audit, kind=FindingKind.AGENCY_STRENGTH, agency=agency_a, heading="", body=TICKS, order=9
    )
    FindingFactory(audit=findings_audit, kind=FindingKind.THEME, heading="Risks", body=TICKS, order=9)
    agency = markup.render(_section(findings_audit, qa_manager, "agency_findings", Edition.FULL_REPORT))
    assert "<li>Information sharing between professionals</li>" in agency
    assert "✓" not in agency
    themes = _section(findings_audit, qa_manager, "themes", Edition.FULL_REPORT)
    assert "- **Risks**\n  - Understanding of CSE across agencies\n  - Information sharing" in themes
