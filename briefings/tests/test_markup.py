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
        '<ol class="numbered"><li>Do this<span class="item-note"><strong>Owner:</strong> A group</span></li>'
        "<li>Then that</li></ol>"
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
