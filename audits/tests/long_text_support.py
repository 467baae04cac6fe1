"""What a line of text (a heading, a title, a name…) looks like in a page once it is counted, not cut
off (audits.forms_partb.LongLineField), and the message an over-long one is refused with: one copy
for the Part B, briefing and administration tests."""

import re


def text_input(page: str, name: str) -> str:
    """The tag of the text box named `name`."""
    return re.search(rf'<input type="text" name="{re.escape(name)}"[^>]*>', page)[0]


def line_counted_not_cut(page: str, name: str, limit: int) -> bool:
    """No maxlength on the box (a long paste would be cut off without a word), the counter's instead."""
    tag = text_input(page, name)
    return " maxlength=" not in tag and f'data-maxlength="{limit}"' in tag and "data-count-over=" in tag


def line_message(limit: int, text: str) -> str:
    return f"This text is {len(text)} characters long, over the limit of {limit}: shorten it to save it."
