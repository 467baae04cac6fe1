from hypothesis import given, settings
from hypothesis import strategies as st

from briefings import markup


def test_html_is_printed_as_text_never_as_markup():
    hostile = (
        '<img src="file:///etc/passwd"> <link rel="stylesheet" href="file:///etc/passwd">'
        ' <script>alert(1)</script> <a href="javascript:alert(1)">x</a>'
    )
    html = markup.render(hostile)
    assert "<img" not in html and "<link" not in html and "<script" not in html and '<a href="javascript' not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert "&lt;link rel=&quot;stylesheet&quot;" in html
    # file:// is not a scheme the renderer links or fetches: it stays words.
    assert 'href="file:' not in html


def test_paragraphs_bullets_and_numbered_items_with_notes():
    html = markup.render(
        "First paragraph\ncontinues here.\n\nSecond.\n- one\n- **Lead-in:** two\n\n1. Do this\n   **Owner:** A group\n2. Then that"
    )
    assert "<p>First paragraph continues here.</p>" in html
    assert "<p>Second.</p>" in html
    assert '<ul class="bullets"><li>one</li><li><strong>Lead-in:</strong> two</li></ul>' in html
    assert (
        '<ol class="numbered"><li data-number="1">Do this<span class="item-note"><strong>Owner:</strong> A group'
        '</span></li><li data-number="2">Then that</li></ol>'
    ) in html


def test_a_heading_opens_a_titled_block_that_runs_to_the_next():
    html = markup.render("## Information sharing\nTimely.\n\n## Joint working\nEffective.")
    assert html.count('<div class="titled-block">') == 2
    assert '<div class="titled-block"><h3 class="block-title">Information sharing</h3><p>Timely.</p></div>' in html


def test_links_only_for_web_and_mail_addresses():
    html = markup.render(
        "[Barnardo's](https://www.barnardos.org.uk/) and [bad](javascript:alert(1)) and [file](file:///etc/passwd), "
        "see https://example.org/page. or www.example.org/x, mail lscb@example.org"
    )
    assert (
        '<a href="https://www.barnardos.org.uk/" class="labelled" rel="noopener noreferrer">Barnardo&#x27;s</a>' in html
    )
    assert "javascript" in html and 'href="javascript' not in html
    assert 'href="file' not in html
    assert '<a href="https://example.org/page" rel="noopener noreferrer">https://example.org/page</a>.' in html
    assert '<a href="https://www.example.org/x" rel="noopener noreferrer">www.example.org/x</a>' in html
    assert '<a href="mailto:lscb@example.org">lscb@example.org</a>' in html


def test_a_quote_in_a_url_cannot_break_out_of_the_attribute():
    html = markup.render('[x](https://example.org/"onmouseover="alert(1))')
    assert 'onmouseover="' not in html


def test_plain_text_drops_the_markup():
    text = "## Title\n- **Lead** text with [a link](https://example.org)\n1. Item\n   note"
    assert markup.plain_text(text) == "Title Lead text with a link Item note"


def test_empty_text_renders_nothing():
    assert markup.render("") == ""
    assert markup.render("   \n\n  ") == ""


def test_a_list_pasted_from_word_or_outlook_stays_one_list():
    """A blank line between items (as Outlook pastes a list) no longer makes each item a list of its own,
    numbered 1, 1, 1; an indented line after the blank stays with its item; "1." after a blank line starts
    a new list, and a paragraph ends one."""
    pasted = "1)\tFirst\r\n\r\n2)\tSecond\r\n\r\n   **Owner:** A group\r\n\r\n3)\tThird"
    assert markup.render(pasted) == (
        '<ol class="numbered"><li data-number="1">First</li><li data-number="2">Second<span class="item-note">'
        '<strong>Owner:</strong> A group</span></li><li data-number="3">Third</li></ol>'
    )
    assert markup.render("1. a\n2. b\n\n1. c").count("<ol") == 2
    assert markup.render("- a\n\nBetween\n\n- b") == (
        '<ul class="bullets"><li>a</li></ul><p>Between</p><ul class="bullets"><li>b</li></ul>'
    )


def test_bullets_typed_or_pasted_as_characters():
    html = markup.render("•\tOne\r\n◦\tTwo, a level down in Word\r\n▪ Three\r\n● Four\r\n\r\n○ Five")
    assert html == (
        '<ul class="bullets"><li>One</li><li>Two, a level down in Word</li><li>Three</li><li>Four</li>'
        "<li>Five</li></ul>"
    )


def test_a_text_of_invisible_characters_renders_nothing():
    assert markup.render("\u200b\r\n\ufeff \u00a0\r\n\u2060\u00ad") == ""
    # A byte-order mark or zero-width space pasted before a "1)" or a bullet does not hide it.
    assert markup.render("\ufeff1) First\n\u200b• Second") == (
        '<ol class="numbered"><li data-number="1">First</li></ol><ul class="bullets"><li>Second</li></ul>'
    )
    # Inside a word a zero-width space stays: it is where a long word may break.
    assert markup.render("Long\u200bword") == "<p>Long\u200bword</p>"


def test_a_numbered_list_that_goes_on_after_a_paragraph_goes_on_numbering():
    """Recommendations 1–2, a paragraph, then 3–4: the second list prints 3 and 4, not 1 and 2 again."""
    html = markup.render("1. First\n2. Second\n\nThe next two are for schools.\n\n3. Third\n4. Fourth")
    assert html == (
        '<ol class="numbered"><li data-number="1">First</li><li data-number="2">Second</li></ol>'
        "<p>The next two are for schools.</p>"
        '<ol class="numbered" start="3"><li data-number="3">Third</li><li data-number="4">Fourth</li></ol>'
    )
    # The numbers go on from the list's first: typed 5, 5, 5 they print 5, 6, 7.
    assert 'data-number="7"' in markup.render("5. a\n5. b\n5. c")
    # "1." after a blank line still starts a list of its own, at 1.
    assert markup.render("1. a\n2. b\n\n1. c").count('<li data-number="1">') == 2


def test_indented_points_are_points_within_the_item_above():
    text = (
        "- Signs to look for\n"
        "  - missing from home\n"
        "  - unexplained gifts\n"
        "    often a phone\n"
        "  **Ask:** who gave it?\n"
        "- Share information\n"
        "1. Review supervision\n"
        "   a) monthly\n"
        "   b) recorded\n"
        "   **Owner:** Social care\n"
        "2. Train staff\n"
        "   iv. from the fourth module\n"
        "   v. and the fifth"
    )
    assert markup.render(text) == (
        '<ul class="bullets"><li>Signs to look for<ul class="bullets"><li>missing from home</li>'
        '<li>unexplained gifts<span class="item-note">often a phone</span></li></ul>'
        '<span class="item-note"><strong>Ask:</strong> who gave it?</span></li><li>Share information</li></ul>'
        '<ol class="numbered"><li data-number="1">Review supervision<ol class="numbered" type="a">'
        '<li data-number="a">monthly</li><li data-number="b">recorded</li></ol>'
        '<span class="item-note"><strong>Owner:</strong> Social care</span></li>'
        '<li data-number="2">Train staff<ol class="numbered" type="i" start="4"><li data-number="iv">from the fourth '
        'module</li><li data-number="v">and the fifth</li></ol></li></ol>'
    )
    assert markup.plain_text(text).startswith("Signs to look for missing from home unexplained gifts often a phone")


def test_word_bullets_pasted_a_level_down_and_lists_indented_throughout():
    # Word pastes its second level as "o" and a tab, its third as "§", with no indent.
    html = markup.render("·\tFirst\no\tWithin the first\n§\tDeeper\n·\tSecond")
    assert html == (
        '<ul class="bullets"><li>First<ul class="bullets"><li>Within the first</li><li>Deeper</li></ul></li>'
        "<li>Second</li></ul>"
    )
    # A list indented throughout is a list; "o" starting a sentence is a word.
    assert markup.render("  - a\n  - b") == '<ul class="bullets"><li>a</li><li>b</li></ul>'
    assert markup.render("o dear") == "<p>o dear</p>"
    # An indented line after a paragraph still continues the paragraph.
    assert markup.render("Para\n  - not a list") == "<p>Para - not a list</p>"


def test_a_label_of_letters_that_is_no_numeral_is_a_note_not_a_point():
    """ "vv." under an item raised a TypeError that stopped the preview, the PDF, the publish page and
    every briefing drafted from a finding holding such a line."""
    assert markup.render("- item\n    vv. sub\n    xxxx) more\n    iix. and") == (
        '<ul class="bullets"><li>item<span class="item-note">vv. sub</span><span class="item-note">xxxx) more'
        '</span><span class="item-note">iix. and</span></li></ul>'
    )
    assert 'data-number="xii"' in markup.render("1. item\n   xi. eleventh\n   xii. twelfth")


# Lines as people type and paste them: an indent, a mark or label (or none), then words.
INDENTS = st.sampled_from(["", "  ", "    ", "\t", "\t\t"])
MARKS = st.sampled_from(
    ["", "- ", "* ", "• ", "· ", "✓ ", "- ✓ ", "o\t", "§\t", "1. ", "3) ", "a) ", "iv. ", "vv. ", "iix) ", "## ", "---"]
)
WORDS = st.text(alphabet="abivxo1.)-* <>@:/", max_size=12)
LINES = st.lists(st.tuples(INDENTS, MARKS, WORDS).map("".join), max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_no_text_stops_the_renderer(text):
    """Whatever a person types or pastes, the section renders (and reads as plain text)."""
    markup.render(text)
    markup.plain_text(text)


def test_an_address_with_a_pair_of_brackets_is_linked_whole():
    """Wikipedia's and some councils' addresses hold brackets: the link went only as far as the "(", the page it
    led to another one. A bracket of the sentence round an address stays out of the link."""
    html = markup.render(
        "Read https://en.wikipedia.org/wiki/Grooming_(sexual). Or [the guide](https://example.org/guide_(2026)) "
        "(see https://example.org/help) and (https://example.org/a_(b))."
    )
    assert (
        '<a href="https://en.wikipedia.org/wiki/Grooming_(sexual)" rel="noopener noreferrer">'
        "https://en.wikipedia.org/wiki/Grooming_(sexual)</a>." in html
    )
    assert '<a href="https://example.org/guide_(2026)" class="labelled" rel="noopener noreferrer">the guide</a>' in html
    assert '(see <a href="https://example.org/help" rel="noopener noreferrer">https://example.org/help</a>)' in html
    assert '(<a href="https://example.org/a_(b)" rel="noopener noreferrer">https://example.org/a_(b)</a>).' in html
