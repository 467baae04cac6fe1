"""The published PDF with the text people paste: from Word and Outlook (smart quotes, dashes, no-break
spaces, tabs, typed bullets, "1)" lines, soft hyphens, zero-width spaces, CRLF), names with diacritics
and emoji, very long words and addresses, long sections and lists. Real WeasyPrint; the PDF is read back
with pdftotext, the layout through WeasyPrint's document API."""

from __future__ import annotations

import logging
import re
from io import BytesIO

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from briefings import services
from briefings.content import build_content, document_context
from briefings.models import BriefingSection, Edition
from briefings.rendering import PDF_VARIANT, SafeURLFetcher, render_html

from .support import pdf_text, squash

LONG_WORD = "Llanfairpwllgwyngyll" * 6  # 120 letters, no break opportunity
# A shared-document address as Outlook pastes it: 120 characters (no hyphen: pdftotext would join it up).
LONG_URL = "https://council.sharepoint.com/sites/Safeguarding/Shared%20Documents/Forms/AllItems.aspx?id=%2FSites%2FAuditReport2025v2"
assert len(LONG_WORD) == len(LONG_URL) == 120

NAMES = "Ffion, Siân, Gwênllian, Dŵr, Dyffryn Ŷ, Ŵyn, Zoë, Łukasz, Dvořák, Ceri-Ann Ẁ ẃ ẅ ỳ ý ÿ, Chloé, Ørjan"
EMOJI = "✔ ✅ 👍"
PASTED = (
    "\u201cSmart quotes\u201d and \u2018single\u2019 \u2013 an en dash \u2014 an em dash,\u00a0a no-break space,"
    "\ta tab, a soft\u00adhyphen and a zero\u200bwidth space.\r\n"
    "The same paragraph on a second line.\r\n\r\n"
    "\u2022\tFirst bullet typed as a character\r\n\u2022\tSecond bullet\r\n\u25e6\tA hollow bullet\r\n\r\n"
    "1)\tFirst numbered line\r\n\r\n2)\tSecond numbered line\r\n\r\n3)\tThird numbered line\r\n\r\n"
    f"Names: {NAMES}. Ticks: {EMOJI}\r\n\r\n"
    "Literal <b>not bold</b> & <script>alert(1)</script> *stars* _under_ `code` # hash > quote &amp;"
)


def content(sections: list[dict], *, title: str = "Pasted text", audience: str = "Managers", edition=Edition.MANAGERS):
    """A content snapshot as briefings.content.build_content makes it, without an audit behind it."""
    return {
        "schema": 1,
        "edition": edition,
        "edition_label": str(Edition(edition).label),
        "title": title,
        "audience": audience,
        "partnership": {"name": "Test Partnership", "short_name": "TP", "contact_email": "lscb@example.org"},
        "audit": {"title": "T", "slug": "t", "theme": "CSE", "year": 2025, "scope_question": "Was it safe?"},
        "facts": {"cases": 2, "agencies": 2, "part_b_date": ""},
        "sections": [{"key": key, "heading": heading, "body": body} for key, heading, body in sections],
        "heatmap_svg": "",
        "heatmap_table": None,
        "case_judgements": None,
        "version": 1,
        "published_at": "2025-07-01T10:00:00+00:00",
        "published_by": "QA",
    }


class Rendered:
    """One render, as briefings.rendering.render_pdf makes it (same HTML, fetcher and PDF variant), with
    WeasyPrint's document kept for its layout and what WeasyPrint warned about while drawing."""

    def __init__(self, snapshot: dict) -> None:
        warnings: list[str] = []
        handler = logging.Handler(logging.WARNING)
        handler.emit = lambda record: warnings.append(record.getMessage())
        logger = logging.getLogger("weasyprint")
        logger.addHandler(handler)
        try:
            self.document = HTML(
                string=render_html(snapshot),
                base_url=settings.SITE_URL.rstrip("/") + "/",
                url_fetcher=SafeURLFetcher(),
            ).render(pdf_variant=PDF_VARIANT)
            self.pdf = self.document.write_pdf(pdf_variant=PDF_VARIANT)
        finally:
            logger.removeHandler(handler)
        self.warnings = warnings
        self.text = pdf_text(self.pdf)

    def text_boxes(self):
        """(page number, text box, right edge of the page's content area, the elements the text is in)."""

        def walk(box, elements):
            element = getattr(box, "element", None)
            if element is not None and (not elements or elements[-1] is not element):
                elements = [*elements, element]
            yield box, elements
            for child in getattr(box, "children", None) or []:
                yield from walk(child, elements)

        for number, page in enumerate(self.document.pages, start=1):
            page_box = page._page_box
            right = page_box.content_box_x() + page_box.width
            for box, elements in walk(page_box, []):
                if isinstance(box, boxes.TextBox):
                    yield number, box, right, elements


def no_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_long_word_or_address_wraps_inside_the_page_and_is_printed_whole():
    """Title, audience, a paragraph, a recommendation's owner line and a case's reasons: a 120-character
    word ran off the right edge of the page (the title's by a page and a half) and was cut off there."""
    snapshot = content(
        [
            ("why", "Why we did this audit", f"See {LONG_URL} and the word {LONG_WORD} in a paragraph."),
            (
                "recommendations",
                "Recommendations",
                f"1. Agree the pathway.\n   **Owner:** {LONG_WORD}; due 31 March 2026\n2. Review it.\n   {LONG_URL}",
            ),
            ("case_judgements", "Case-level consensus judgements", "The consensus."),
        ],
        title=f"Learning from {LONG_WORD}",
        audience=f"Managers: {LONG_URL}",
        edition=Edition.FULL_REPORT,
    )
    snapshot["case_judgements"] = {
        "stages": ["Referral"],
        "rows": [
            {"reference": "Case 1", "stages": [["Good", "good"]], "overall": ["Good", "good"], "reasons": LONG_URL}
        ],
    }
    rendered = Rendered(snapshot)

    past_the_edge = [
        (number, box.text[:30], round(box.position_x + box.width - right))
        for number, box, right, _elements in rendered.text_boxes()
        if box.position_x + box.width > right + 0.5
    ]
    assert past_the_edge == []
    # Nothing was cut off: every long word is in the PDF's text, whole (wrapped, so across lines).
    text = no_spaces(rendered.text)
    assert text.count(LONG_WORD) == 3  # title, paragraph, owner
    assert text.count(LONG_URL) >= 4  # audience, paragraph, recommendation, reasons


def test_pasted_characters_names_and_emoji_are_all_drawn_with_a_glyph():
    """No tofu: WeasyPrint draws .notdef (an empty box) for a character no font in the stack has, and
    says so; ✅ and 👍 were such characters until Noto Color Emoji was installed with the other fonts
    (scripts/system_deps.sh weasyprint). Every character is also in the PDF's text."""
    rendered = Rendered(
        content(
            [("introduction", f"About this briefing – {NAMES}", PASTED), ("learning_points", EMOJI, f"- {EMOJI}")],
            title=f"Siân’s “briefing” {EMOJI}",
            audience=f"Gwênllian & Łukasz {EMOJI}",
        )
    )
    assert [w for w in rendered.warnings if ".notdef" in w] == []
    text = squash(rendered.text)
    for name in NAMES.split(", "):
        assert name in text
    assert no_spaces(text).count(no_spaces(EMOJI)) >= 4  # title, audience, heading, paragraph, item
    assert (
        "\u201cSmart quotes\u201d and \u2018single\u2019 \u2013 an en dash \u2014 an em dash, a no-break space" in text
    )
    assert "Siân’s “briefing”" in text
    # Every font is embedded, the emoji's included: nothing depends on the reader's machine.
    for page in PdfReader(BytesIO(rendered.pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            assert font["/Subtype"] == "/Type3" or any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            ), font


def test_word_and_outlook_paste_reads_as_typed_and_markup_stays_text():
    rendered = Rendered(content([("introduction", "About this briefing", PASTED)], title="<b>Title</b> & <i>it</i>"))
    text = squash(rendered.text)
    # Soft hyphens and zero-width spaces are invisible; a tab is a space; CRLF lines join into a paragraph.
    assert "a soft\u00adhyphen" not in text and "softhyphen and a zerowidth space." in text
    assert "a tab, a softhyphen" in text
    assert "zerowidth space. The same paragraph on a second line." in text
    # HTML and Markdown look-alikes are printed as typed.
    assert "Literal <b>not bold</b> & <script>alert(1)</script> *stars* _under_ `code` # hash > quote &amp;" in text
    assert "<b>Title</b> & <i>it</i>" in text


def test_a_numbered_list_pasted_with_blank_lines_between_its_items_counts_on():
    """Outlook and Word put a blank line between the items: each item was a list of its own, so the PDF
    numbered them 1, 1, 1."""
    rendered = Rendered(content([("recommendations", "Recommendations", PASTED)]))
    text = squash(rendered.text)
    assert "1 First numbered line 2 Second numbered line 3 Third numbered line" in text


def test_points_within_points_and_a_list_that_goes_on_after_a_paragraph_print_as_typed():
    """Nested points were printed as notes with their "- " (Word's "o" as a paragraph), and numbering
    started again at 1 after a paragraph between two parts of one list."""
    body = (
        "1. Review supervision\n"
        "   a) monthly\n"
        "   b) recorded on the file\n"
        "2. Train staff\n\n"
        "The next one is for schools.\n\n"
        "3. Raise awareness\n"
        "·\tMissing from home\n"
        "o\tWithin that point, by Word\n"
        "·\tGifts"
    )
    rendered = Rendered(content([("learning_points", "Learning points", body)]))
    text = squash(rendered.text)
    assert "1 Review supervision a. monthly b. recorded on the file 2 Train staff" in text
    assert "The next one is for schools. 3 Raise awareness" in text
    assert "o Within" not in text and "Within that point, by Word" in text

    def left(words: str) -> float:
        return min(box.position_x for _n, box, _r, _e in rendered.text_boxes() if box.text.startswith(words))

    # A point within an item starts to the right of the item's own text.
    assert left("monthly") > left("Review supervision") + 3
    assert left("Within that point") > left("Missing from home") + 3


def test_a_section_of_only_invisible_characters_is_left_out_like_an_empty_one():
    """A body pasted as a zero-width space, a byte-order mark or a no-break space looks empty in the
    composer: the PDF printed its heading over nothing."""
    sections = [
        ("introduction", "About this briefing", "Kept."),
        ("why", "Invisible", "\u200b\r\n\ufeff \u00a0\r\n\u2060"),
        ("methodology", "Whitespace", " \r\n\t\r\n"),
    ]
    assert [s["key"] for s in document_context(content(sections))["sections"]] == ["introduction"]
    text = squash(Rendered(content(sections)).text)
    assert "Kept." in text and "Invisible" not in text and "Whitespace" not in text


@pytest.mark.django_db
def test_a_long_section_and_thirty_recommendations_break_between_items(
    findings_audit, make_briefing, qa_manager, publish_rendered, client_for
):
    """Published through the app: findings and recommendations pasted from Word flow into the sections.
    8,000 characters of text and 30 recommendations run over pages; no item is split, no heading is
    left at the foot of a page, and the preview shows the same text."""
    from audits.models import Recommendation
    from audits.tests.factories import RecommendationFactory

    Recommendation.objects.filter(audit=findings_audit).delete()
    for n in range(1, 31):
        owner = LONG_WORD if n == 7 else f"Siân’s team {n} ✅"
        RecommendationFactory(
            audit=findings_audit,
            text=f"Recommendation {n} \u2013 \u201cdo it\u201d.\r\n" + "Lorem ipsum. " * (n % 9),
            owner=owner,
            order=n,
        )
    briefing = make_briefing(Edition.MANAGERS)
    services.briefing_update_details(
        briefing=briefing, title=f"Siân’s {LONG_WORD}", audience=f"Zoë & Łukasz <managers> {EMOJI}", user=qa_manager
    )
    long_body = "\r\n\r\n".join(
        f"Paragraph {n}: " + "Dvořák and Gwênllian said “yes” – again. " * 12 for n in range(18)
    )
    assert len(long_body) > 8000
    why = BriefingSection.objects.get(briefing=briefing, key="why")
    services.briefing_section_update(section=why, heading=why.heading, body=long_body, hidden=False, user=qa_manager)
    recs = BriefingSection.objects.get(briefing=briefing, key="recommendations")
    services.briefing_section_refresh(section=recs, user=qa_manager)

    version = publish_rendered(briefing)
    with version.file.open("rb") as handle:
        pdf = handle.read()
    text = squash(pdf_text(pdf))
    for n in range(1, 31):
        assert f"Recommendation {n} – “do it”." in text
    assert "Siân’s team 30 ✅" in text and LONG_WORD in no_spaces(text)
    assert "Paragraph 17: Dvořák and Gwênllian said “yes” – again." in text
    # The layout of the same content: no item split across two pages, and no heading at the foot of a page
    # (it is on the page where what follows it starts).
    rendered = Rendered(build_content(briefing, number=1))
    assert len(rendered.document.pages) >= 4
    pages_of: dict = {}
    parents: dict = {}
    for number, _box, _right, elements in rendered.text_boxes():
        for parent, element in zip([None, *elements], elements, strict=False):
            pages_of.setdefault(element, set()).add(number)
            parents[element] = parent
    items = [e for e in pages_of if e.tag == "li"]
    assert len(items) > 30 and all(len(pages_of[item]) == 1 for item in items)
    headings = [e for e in pages_of if e.tag in ("h2", "h3")]
    assert len(headings) > 10
    for heading in headings:
        siblings = list(parents[heading])
        following = siblings[siblings.index(heading) + 1] if heading is not siblings[-1] else None
        if following is not None and following in pages_of:
            assert max(pages_of[heading]) in pages_of[following], heading.text_content()

    page = client_for("qa_manager").get(reverse("briefings:preview", args=[findings_audit.slug, briefing.edition]))
    preview = page.content.decode()
    assert "Zoë &amp; Łukasz &lt;managers&gt; ✔ ✅ 👍" in preview
    assert "Siân’s team 30 ✅" in preview and "Paragraph 17: Dvořák and Gwênllian said “yes” – again." in preview


@pytest.mark.django_db
def test_the_publish_page_lists_only_the_sections_the_pdf_prints(make_briefing, qa_manager, client_for):
    """A shown section emptied (or left with a pasted zero-width space) is not printed: the publish page
    listed it under "It will hold these sections" all the same."""
    briefing = make_briefing(Edition.MANAGERS)
    for key, body in (("what_next", ""), ("why", "\u200b\r\n")):
        section = BriefingSection.objects.get(briefing=briefing, key=key)
        services.briefing_section_update(
            section=section, heading=section.heading, body=body, hidden=False, user=qa_manager
        )
    page = client_for("qa_manager").get(reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition]))
    listed = re.findall(
        r"<li>([^<]*)</li>", page.content.decode().split("It will hold these sections")[1].split("</ol>")[0]
    )
    printed = [s["heading"] for s in document_context(build_content(briefing))["sections"]]
    assert listed == printed
    assert "What next?" not in listed and "Why we did this audit" not in listed and "Recommendations" in listed
