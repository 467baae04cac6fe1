"""An Excel workbook (.xlsx) uploaded to a spreadsheet import (agencies.sheets.read_workbook): its sheet is read
into the text a CSV file of it would have (whole numbers without ".0", dates as ISO text, a formula's value as
last saved, blank rows kept as blank lines between rows and left out at the end), then checked as that text; a
file that is not such a workbook (renamed, an old .xls, one with a password, too large, too long) is refused
with what to do, never a server error."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.styles import Font

from agencies.sheets import MAX_ROWS, OLE_START, Columns, SheetForm, read, read_workbook

COLUMNS = Columns(
    headings={"stage": ("Stage",), "code": ("Code",), "text": ("Standard",), "due": ("Due",), "count": ("Count",)},
    required=("stage", "text"),
)


def check(text: str):
    return read(text, COLUMNS)


def workbook(*sheets: tuple[str, list[list]], hidden: tuple[str, ...] = (), values: dict[str, str] | None = None):
    """The bytes of an .xlsx of these worksheets (title, rows: None for an empty cell), made by openpyxl;
    `values` gives formulas (by their text) the value Excel would have saved with them (openpyxl saves none)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    for formula, value in (values or {}).items():
        data = _rezip(data, lambda xml, f=formula, v=value: xml.replace(f"<f>{f}</f><v />", f"<f>{f}</f><v>{v}</v>"))
    return data


def _rezip(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename.startswith("xl/worksheets/"):
                content = change(content.decode()).encode()
            target.writestr(part.filename, content)
    return out.getvalue()


def form_for(data: bytes, name: str = "standards.xlsx") -> SheetForm:
    form = SheetForm(data={"check": "Check"}, files={"upload": SimpleUploadedFile(name, data)}, check=check)
    form.is_valid()
    return form


def refusal(data: bytes, name: str = "standards.xlsx") -> str:
    form = form_for(data, name)
    assert not form.is_valid()
    return " ".join(form.non_field_errors())


def test_cells_are_read_as_the_text_a_csv_of_the_sheet_would_have():
    data = workbook(
        (
            "Standards",
            [
                ["Stage", "Code", "Standard", "Due", "Count"],
                ["Response", "1.10", 'Timely, and "seen".\nSee notes.', datetime.date(2026, 3, 31), 3.0],
                ["Response", 1.1, "Risk recognised", datetime.datetime(2026, 3, 31, 14, 30), 2],
                [None, None, None, None, None],
                ["Assessment", 2.0, "Holistic", None, "=1+1"],
                ["Assessment", 2.25, True, None, 1234567.5],
            ],
        ),
        values={"1+1": "2"},
    )
    form = form_for(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["text"] == (
        "Stage,Code,Standard,Due,Count\n"
        'Response,1.10,"Timely, and ""seen"".\nSee notes.",2026-03-31,3\n'  # "1.10" typed as text stays 1.10
        "Response,1.1,Risk recognised,2026-03-31 14:30,2\n"  # the number 1.1: what the cell holds
        "\n"
        "Assessment,2,Holistic,,2\n"  # 2.0 without ".0"; the formula's value as last saved
        "Assessment,2.25,TRUE,,1234567.5\n"
    )
    sheet = form.cleaned_data["sheet"]
    # Row numbers are the text's lines: Excel's rows, but for the cell holding a line break.
    assert [(row.line, row.values["code"]) for row in sheet.rows] == [(2, "1.10"), (4, "1.1"), (6, "2"), (7, "2.25")]


def test_a_formula_without_a_saved_value_is_read_empty():
    # openpyxl (unlike Excel) saves no value with a formula: there is nothing to read, not the formula.
    text, _sheet = read_workbook(workbook(("S", [["Stage", "Standard", "Count"], ["R", "Seen", "=1+1"]])), check)
    assert text == "Stage,Standard,Count\nR,Seen,\n"


def test_blank_rows_and_columns_at_the_end_and_before_the_headings():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B2"], sheet["C2"] = "Stage", "Standard"
    sheet["B3"], sheet["C3"] = "Response", "Seen"
    sheet["D3"] = "   "  # spaces only: blank
    sheet["H40"].font = Font(bold=True)  # a formatted, empty cell far below and to the right
    out = io.BytesIO()
    book.save(out)
    text, sheet = read_workbook(out.getvalue(), check)
    assert text == "\n,Stage,Standard\n,Response,Seen\n"
    assert [row.line for row in sheet.rows] == [3]
    assert sheet.rows[0].values == {"stage": "Response", "text": "Seen"}


def test_the_first_visible_worksheet_naming_the_columns_is_read():
    data = workbook(
        ("Read me", [["Fill in the standards on the next sheet."]]),
        ("Old", [["Stage", "Standard"], ["Hidden", "Not this one"]]),
        ("Empty", []),
        ("Tool", [["Stage", "Standard"], ["Response", "This one"]]),
        ("Later", [["Stage", "Standard"], ["Response", "Nor this one"]]),
        hidden=("Old",),
    )
    text, sheet = read_workbook(data, check)
    assert [row.values["text"] for row in sheet.rows] == ["This one"]

    message = refusal(workbook(("Read me", [["Fill in the standards."]]), ("Notes", [["Stage", "Notes"]])))
    assert message.startswith("No worksheet of this workbook names the columns in its first row. Its first, “Read me”")
    assert "Missing: Stage, Standard." in message


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused():
    message = refusal(b"Stage,Standard\nResponse,Seen\n", "standards.xlsx")
    assert "named as an Excel workbook (.xlsx) but is not one" in message
    assert "save the spreadsheet as an excel workbook (.xlsx) or as csv" in message.lower()

    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert "cannot be read as an Excel workbook" in refusal(other_zip.getvalue(), "standards.docx")
    assert "cannot be read as an Excel workbook" in refusal(workbook(("S", [["Stage"]]))[:300])  # cut short
    assert "The workbook is empty" in refusal(workbook(("Sheet1", []), ("Sheet2", [[None, "  "]])))
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert "OpenDocument spreadsheet (.ods)" in refusal(ods.getvalue(), "standards.ods")


def test_an_old_xls_and_a_password_protected_workbook_are_refused_with_what_to_do():
    # Both are Office 97–2003 ("compound") files; a password-protected .xlsx holds its encrypted package.
    xls = OLE_START + bytes(504) + "Workbook".encode("utf-16-le") + bytes(1024)
    assert "Excel 97–2003 workbook (.xls)" in refusal(xls, "standards.xls")
    assert "as an Excel workbook (.xlsx) or as CSV" in refusal(xls, "standards.xls")
    encrypted = OLE_START + bytes(504) + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    assert "protected by a password" in refusal(encrypted + bytes(1024))


def test_a_sheet_too_long_or_a_workbook_too_large_is_refused():
    rows = [["Stage", "Standard"]] + [["Response", f"Standard {n}"] for n in range(MAX_ROWS + 1)]
    assert f"“Sheet” has more than {MAX_ROWS} rows" in refusal(workbook(("Sheet", rows)))
    assert form_for(workbook(("Sheet", rows[:-1]))).is_valid()  # MAX_ROWS rows: read

    assert "too large" in refusal(workbook(("S", [["Stage", "Standard"]])) + bytes(2 * 1024 * 1024))
    bomb = io.BytesIO()  # 40 MB of spaces, some 40 KB zipped
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", " " * (40 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100 * 1024
    assert "too large" in refusal(bomb.getvalue())


def test_xml_entities_are_refused_not_expanded():
    # The "billion laughs": defusedxml (a requirement) has openpyxl refuse any entity declaration.
    assert openpyxl.xml.DEFUSEDXML
    laughs = '<!DOCTYPE x [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    data = _rezip(
        workbook(("S", [["Stage", "Standard"]])),
        lambda xml: re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or "") + laughs, xml, count=1),
    )
    assert "cannot be read as an Excel workbook" in refusal(data)
