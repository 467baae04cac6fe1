"""Excel writes a character that XML cannot hold in a cell's text as _xHHHH_ (the OOXML escape): a carriage
return (text pasted from Windows) as _x000D_, Word's manual line break as _x000B_, and an underscore that
starts such a sequence as _x005F_. The workbook read gives the cell's text, as Excel shows it and as a CSV
file Excel saves of it would hold it, not the escapes."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from agencies.sheets import Columns, read, read_workbook

COLUMNS = Columns(headings={"stage": ("Stage",), "text": ("Standard",)}, required=("stage", "text"))


def excel_saved(cell: str) -> bytes:
    """A workbook whose B2 holds `cell` as Excel writes its text in the file (escapes and all)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Stage", "Standard"])
    sheet.append(["Response", "PLACEHOLDER"])
    out = io.BytesIO()
    book.save(out)
    changed = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename.startswith("xl/worksheets/"):
                assert b"PLACEHOLDER" in content
                content = content.replace(b"PLACEHOLDER", cell.encode())
            target.writestr(part.filename, content)
    return changed.getvalue()


def standard(cell: str) -> str:
    text, sheet = read_workbook(excel_saved(cell), lambda text: read(text, COLUMNS))
    return sheet.rows[0].values["text"]


def test_excels_escapes_are_read_as_the_characters_they_stand_for():
    assert standard("Seen within 24 hours._x000D_\nRecorded.") == "Seen within 24 hours.\nRecorded."
    assert standard("Seen._x000B_Recorded.") == "Seen.\nRecorded."  # Word's manual line break
    assert standard("Seen_x0009_alone") == "Seen\talone"
    assert standard("Code _x005F_x0041_ kept") == "Code _x0041_ kept"  # an underscore escaped: typed so
    assert standard("bell_x0007_ left out") == "bell left out"  # a control character, as before
    assert standard("Plain _x not an escape_") == "Plain _x not an escape_"


def test_half_a_utf16_pair_is_left_as_written_not_a_server_error():
    # No character: UTF-8 (the database's, the check's fingerprint's) has none for it.
    assert standard("Odd _xD800_ here") == "Odd _xD800_ here"
