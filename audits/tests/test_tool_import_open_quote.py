"""A sheet with a quote opened and never closed (a standard typed "The child was seen, …) is refused, naming the
line: read leniently, the rest of the sheet became one cell of that row, so its standard's text (shown
shortened in the check) held every row after it, which were nowhere else in the check and were not added."""

import pytest

from agencies.sheets import SheetError, read
from audits.tool_import import COLUMNS

HEAD = "Stage,Code,Standard\n"


def test_a_quote_never_closed_is_refused_naming_its_line():
    text = HEAD + 'Response,1.1,Seen.\n\nResponse,1.2,"The child was seen, alone\nResponse,1.3,Risk recognised.\n'
    with pytest.raises(SheetError, match=r"Line 4 has a quote \(\"\) that is never closed"):
        read(text, COLUMNS)


def test_a_quoted_cell_holding_a_line_break_and_quotes_is_read():
    sheet = read(HEAD + 'Response,1.1,"The ""first"" contact,\nand after"\nResponse,1.2,Risk.\n', COLUMNS)
    assert [row.values["text"] for row in sheet.rows] == ['The "first" contact,\nand after', "Risk."]


def test_a_quote_closed_at_the_very_end_of_the_sheet_is_read():
    [row] = read(HEAD + 'Response,1.1,"Seen, alone"', COLUMNS).rows
    assert row.values["text"] == "Seen, alone"
