"""A support contact's description of two paragraphs (when to call in office hours, then whom to ring out of
hours) prints as two within the contact's point of the local support section, on the page and in the PDF,
instead of one run-on paragraph: the second is a line under the point (a note, in the format of
briefings/markup.py). A description of one paragraph, wrapped over lines or not, is written as before."""

from __future__ import annotations

import pytest
from django.conf import settings
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from agencies.models import Partnership, SupportContact
from briefings import markup, services
from briefings.content import build_content
from briefings.models import Edition
from briefings.rendering import PDF_VARIANT, SafeURLFetcher, render_html, render_pdf

from .support import pdf_text

pytestmark = pytest.mark.django_db

TWO = "Call in office hours.\r\n\r\nOut of hours, ring the emergency duty team."


def local_support(audit, user, description: str, **contact) -> tuple[object, str]:
    SupportContact.objects.create(
        partnership=Partnership.load(), name="Front door", description=description, order=0, **contact
    )
    briefing = services.briefing_create(audit=audit, edition=Edition.PRACTITIONERS, user=user)
    return briefing, briefing.sections.get(key="local_support").body


def test_a_description_of_two_paragraphs_is_written_as_two_within_the_contacts_point(findings_audit, qa_manager):
    _briefing, body = local_support(findings_audit, qa_manager, TWO, phone="01273 335905")

    line = (
        "- **Front door** – Call in office hours.\n  Out of hours, ring the emergency duty team. Call **01273 335905**."
    )
    assert line in body
    assert (
        '<li><strong>Front door</strong> – Call in office hours.<span class="item-note">Out of hours, ring the '
        "emergency duty team. Call <strong>01273 335905</strong>.</span></li>"
    ) in markup.render(body)


def test_each_paragraph_is_joined_up_and_the_number_is_bold_in_the_one_that_has_it(findings_audit, qa_manager):
    description = "Call in office\nhours.\n \t\nOut of hours, ring\n01273 335905\n\n\n"
    _briefing, body = local_support(
        findings_audit, qa_manager, description, phone="01273 335905", email="edt@example.org"
    )

    assert (
        "- **Front door** – Call in office hours.\n  Out of hours, ring **01273 335905** E-mail edt@example.org."
    ) in body


def test_a_description_of_one_paragraph_is_written_as_before(findings_audit, qa_manager):
    _briefing, body = local_support(findings_audit, qa_manager, "If you are worried\nabout a child ", phone="0800 1")

    assert "- **Front door** – If you are worried about a child Call **0800 1**." in body
    assert "- **MASH** – If you are worried about a child Call **01273 290400**." in body
    assert "\n " not in body  # no point has a line under it


def test_the_pdf_prints_the_second_paragraph_on_a_line_of_its_own(findings_audit, qa_manager):
    briefing, _body = local_support(findings_audit, qa_manager, TWO)

    lines = [line.strip() for line in pdf_text(render_pdf(build_content(briefing)).pdf).splitlines()]
    first = lines.index("Front door – Call in office hours.")
    assert lines[first + 1] == "Out of hours, ring the emergency duty team."


def text_boxes(box):
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", None) or []:
        yield from text_boxes(child)


def test_the_second_paragraph_is_printed_as_the_first_is_below_it(findings_audit, qa_manager):
    """As large and as dark as the first paragraph (not the small grey of a recommendation's owner line):
    an out-of-hours number is not a footnote."""
    briefing, _body = local_support(findings_audit, qa_manager, TWO)
    document = HTML(
        string=render_html(build_content(briefing)),
        base_url=settings.SITE_URL.rstrip("/") + "/",
        url_fetcher=SafeURLFetcher(),
    ).render(pdf_variant=PDF_VARIANT)

    found = {
        box.text.strip(): box
        for page in document.pages
        for box in text_boxes(page._page_box)
        if box.text.strip() in ("– Call in office hours.", "Out of hours, ring the emergency duty team.")
    }
    first, second = found["– Call in office hours."], found["Out of hours, ring the emergency duty team."]
    assert second.position_y > first.position_y
    assert second.position_x < first.position_x  # at the start of a line of its own, under the contact's name
    assert (second.style["font_size"], second.style["color"]) == (first.style["font_size"], first.style["color"])
