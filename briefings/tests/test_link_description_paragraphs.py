"""A useful link's, a reading's or a course's description of two paragraphs (what it is, then who it is for)
prints as two within the link's point, as a support contact's does (test_support_contact_paragraphs.py),
instead of one run-on paragraph; a description of one paragraph is written as before."""

from __future__ import annotations

import pytest
from django.conf import settings
from weasyprint import HTML

from agencies.models import LinkKind, Partnership, PartnershipLink
from briefings import markup, services
from briefings.content import build_content
from briefings.models import Edition
from briefings.rendering import PDF_VARIANT, SafeURLFetcher, render_html

from .test_support_contact_paragraphs import text_boxes

pytestmark = pytest.mark.django_db

TWO = "The partnership's procedures for every agency.\r\n\r\nRead chapter 4 before a strategy discussion."


def section(audit, user, key: str, kind: str, description: str) -> str:
    PartnershipLink.objects.create(
        partnership=Partnership.load(),
        kind=kind,
        title="Procedures",
        url="https://procedures.example.org/",
        description=description,
    )
    briefing = services.briefing_create(audit=audit, edition=Edition.PRACTITIONERS, user=user)
    return briefing.sections.get(key=key).body


@pytest.mark.parametrize(
    "key, kind",
    [("useful_links", LinkKind.USEFUL), ("further_reading", LinkKind.READING), ("training", LinkKind.TRAINING)],
)
def test_a_description_of_two_paragraphs_is_written_as_two_within_the_links_point(
    findings_audit, qa_manager, key, kind
):
    body = section(findings_audit, qa_manager, key, kind, TWO)

    assert (
        "- [Procedures](https://procedures.example.org/) – The partnership's procedures for every agency.\n"
        "  Read chapter 4 before a strategy discussion."
    ) in body
    assert (
        'The partnership&#x27;s procedures for every agency.<span class="item-note">Read chapter 4 before a '
        "strategy discussion.</span>"
    ) in markup.render(body)


def test_a_description_of_one_paragraph_is_written_as_before(findings_audit, qa_manager):
    body = section(findings_audit, qa_manager, "useful_links", LinkKind.USEFUL, "Procedures for\nevery agency ")
    assert "- [Procedures](https://procedures.example.org/) – Procedures for every agency" in body
    assert "\n  " not in body


@pytest.mark.parametrize(
    "key, kind",
    [("useful_links", LinkKind.USEFUL), ("further_reading", LinkKind.READING), ("training", LinkKind.TRAINING)],
)
def test_the_pdf_prints_the_second_paragraph_below_the_first_as_large_and_as_dark(
    findings_audit, qa_manager, key, kind
):
    section(findings_audit, qa_manager, key, kind, TWO)
    briefing = findings_audit.briefings.get(edition=Edition.PRACTITIONERS)
    document = HTML(
        string=render_html(build_content(briefing)),
        base_url=settings.SITE_URL.rstrip("/") + "/",
        url_fetcher=SafeURLFetcher(),
    ).render(pdf_variant=PDF_VARIANT)

    wanted = ("– The partnership's procedures for every agency.", "Read chapter 4 before a strategy discussion.")
    found = {
        box.text.strip().replace("’", "'"): box
        for page in document.pages
        for box in text_boxes(page._page_box)
        if box.text.strip().replace("’", "'") in wanted
    }
    first, second = found[wanted[0]], found[wanted[1]]
    assert second.position_y > first.position_y
    assert (second.style["font_size"], second.style["color"]) == (first.style["font_size"], first.style["color"])
