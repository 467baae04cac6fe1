"""The 500 page tells whoever was sending a form that it may not have been saved and where what they typed
is (the form behind the Back button; a Part A return's unsaved text kept on the device), as the page for an
out-of-date form does, instead of only "try again", which reads as if what was typed were gone."""

from django.template import loader


def test_the_500_page_says_where_what_was_typed_is():
    html = loader.get_template("500.html").render()  # as Django renders it: no request, no context
    assert "If you were sending a form, it may not have been saved." in html
    assert "Back button: what you typed is usually still in the form" in html
    assert "Text typed in a Part A return is not lost" in html
