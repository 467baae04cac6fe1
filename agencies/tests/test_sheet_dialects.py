"""Reading a spreadsheet (agencies.sheets.read): the character between the cells is the one that makes the
heading row name the columns, whatever other commas, semicolons or tabs its headings hold. csv.Sniffer,
given the heading row, preferred a comma to a tab or a semicolon whenever the row held one, so cells pasted
from Excel under a heading such as “Team, service”, or a semicolon CSV (Excel in much of Europe) with such
a heading, were refused as missing every column."""

import pytest

from agencies.people_import import COLUMNS
from agencies.sheets import read


@pytest.mark.parametrize(
    "text",
    [
        # Cells pasted from a spreadsheet (tabs), a heading and a cell holding a comma.
        "First name\tLast name\tE-mail\tRole\tTeam, service\nAnn\tLee\tann@example.org\tQA manager\tDuty, north\n",
        # A semicolon CSV, a heading and a cell holding a comma.
        "First name;Last name;E-mail;Role;Team, service\nAnn;Lee;ann@example.org;QA manager;Duty, north\n",
        # A comma CSV, a heading holding a semicolon, a quoted heading and cell holding a comma.
        'First name,Last name,E-mail,Role,"Team, service",Notes; other\nAnn,Lee,ann@example.org,QA manager,"Duty, north",x\n',
        # A comma CSV with a space after each comma and a quoted cell.
        'First name, Last name, E-mail, Role, "Team, service"\nAnn, Lee, ann@example.org, QA manager, "Duty, north"\n',
        # Cells pasted with a heading holding a semicolon and a quote.
        'First name\tLast name\tE-mail\tRole\tTeam; "service"\nAnn\tLee\tann@example.org\tQA manager\tDuty\n',
    ],
)
def test_the_delimiter_is_the_one_that_names_the_columns(text):
    sheet = read(text, COLUMNS)
    [row] = sheet.rows
    assert row.values == {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.org", "role": "QA manager"}
    assert sheet.ignored[0].startswith("Team")
    assert row.cells[-1].strip() in ("Duty, north", "x", "Duty")
