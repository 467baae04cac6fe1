"""Marks and brackets as the published briefings type them: Dudley's "- ✓ **Promote** …" list and its
"<http://westmidlands.procedures.org.uk/>" address."""

from briefings import markup


def test_a_tick_typed_after_the_bullet_is_not_printed_as_a_second_mark():
    html = markup.render("- ✓ **Promote** the guide\n- ✓ Share information\n- • pasted twice")
    assert html == (
        '<ul class="bullets"><li><strong>Promote</strong> the guide</li><li>Share information</li>'
        "<li>pasted twice</li></ul>"
    )
    assert "✓" not in markup.plain_text("- ✓ **Promote** the guide")


def test_a_tick_after_the_mark_of_a_point_within_is_dropped_too():
    html = markup.render("- Learning\n  - ✓ Understanding\n  a) ✓ Information")
    assert "✓" not in html
    assert "<li>Understanding</li>" in html and '<li data-number="a">Information</li>' in html


def test_a_single_mark_and_bold_after_a_bullet_are_kept():
    # "**" is not a second bullet ("- **Promote**"), nor a word that follows a bullet.
    html = markup.render("- **Promote** the guide\n- * starred")
    assert "<li><strong>Promote</strong> the guide</li>" in html
    assert "<li>starred</li>" in html


def test_angle_brackets_around_an_address_are_dropped_and_it_stays_a_link():
    html = markup.render(
        "Procedures: <http://westmidlands.procedures.org.uk/>. Write to <lscb@example.org> or <mailto:a@example.org>."
    )
    assert (
        'Procedures: <a href="http://westmidlands.procedures.org.uk/" rel="noopener noreferrer">'
        "http://westmidlands.procedures.org.uk/</a>."
    ) in html
    assert 'Write to <a href="mailto:lscb@example.org">lscb@example.org</a> or ' in html
    assert '<a href="mailto:a@example.org">a@example.org</a>.' in html
    assert "&lt;" not in html and "&gt;" not in html


def test_angle_brackets_around_anything_else_are_printed_as_typed():
    html = markup.render("<not a link> <b>x</b> <javascript:alert(1)> <see https://example.org/a?b>")
    assert html.startswith("<p>&lt;not a link&gt; &lt;b&gt;x&lt;/b&gt; &lt;javascript:alert(1)&gt;")
    assert 'href="javascript' not in html
    assert "&lt;see " in html
