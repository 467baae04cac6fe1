"""What the Part B tests read and post as a browser would: a signed-in client, and the forms of a page
(the evidence board's consensus form, any other form found by one of its fields)."""

import html as html_lib
import re
from html.parser import HTMLParser

from django.test import Client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def board_form(page: str) -> dict[str, str]:
    """What the board's consensus form posts, read from the page as a browser would: each stage's
    chosen grade, reasons and hidden `-shown` marker (ticked boxes, such as `-replace`, are left out)."""
    data = {}
    for prefix in re.findall(r'name="((?:stage-\d+)|overall)-shown"', page):
        data[f"{prefix}-shown"] = html_lib.unescape(re.search(rf'name="{prefix}-shown" value="([^"]*)"', page)[1])
        select = re.search(rf'<select name="{prefix}-grade".*?</select>', page, re.S)[0]
        chosen = re.search(r'<option value="(\d+)" selected>', select)
        data[f"{prefix}-grade"] = chosen[1] if chosen else ""
        reasons = re.search(rf'<textarea name="{prefix}-reasons"[^>]*>(.*?)</textarea>', page, re.S)[1]
        data[f"{prefix}-reasons"] = html_lib.unescape(reasons)
    return data


class PageForms(HTMLParser):
    """Every form of a page, as a browser would post it: [(name, value), ...] per form (ticked
    boxes and chosen options only, a list's first option when none is chosen; the buttons left out)."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append([])
        elif not self.forms or "name" not in a:
            if tag == "option" and self._select is not None:
                self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.forms[-1].append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select, self._options = a["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.forms[-1].append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected] or [v for v, _s in self._options[:1]]
            self.forms[-1].extend((self._select, value) for value in chosen)
            self._select = None


def page_forms(page: str) -> list[list[tuple[str, str]]]:
    """Every form of the page, as a browser would post it: [(name, value), ...] per form."""
    parser = PageForms()
    parser.feed(page)
    return parser.forms


def page_form(page: str, field: str) -> dict:
    """The post of the page's form that has `field`: {name: value, or a list for several}."""
    form = next(f for f in page_forms(page) if any(name == field for name, _value in f))
    data: dict = {}
    for name, value in form:
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    return data
