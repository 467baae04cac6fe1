"""A workbook's worksheets are read one at a time, up to the first that names the columns: the worksheets after
it are not read. A worksheet with a cell (or a formatted one with a value) in Excel's last row is a million rows
to go through, a second or two each, so a workbook with a few such worksheets after the tool's took many seconds
for nothing; and a damaged worksheet after the one read does not refuse the workbook."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from agencies import sheets
from agencies.sheets import Columns, read, read_workbook

COLUMNS = Columns(headings={"stage": ("Stage",), "text": ("Standard",)}, required=("stage", "text"))


def check(text: str):
    return read(text, COLUMNS)


def tool_then_others() -> bytes:
    book = openpyxl.Workbook()
    tool = book.active
    tool.title = "Tool"
    tool.append(["Stage", "Standard"])
    tool.append(["Response", "Seen within 24 hours"])
    for n in range(3):
        other = book.create_sheet(f"Lists {n}")
        other.append(["Choices"])
        other.cell(row=1_048_576, column=1, value="end")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_worksheets_after_the_one_read_are_not_read(monkeypatch):
    read_titles = []
    worksheet = sheets._worksheet

    def counted(sheet):
        read_titles.append(sheet.title)
        return worksheet(sheet)

    monkeypatch.setattr(sheets, "_worksheet", counted)
    text, sheet = read_workbook(tool_then_others(), check)
    assert text == "Stage,Standard\nResponse,Seen within 24 hours\n"
    assert read_titles == ["Tool"]


def test_a_damaged_worksheet_after_the_one_read_does_not_refuse_the_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(tool_then_others())) as source, zipfile.ZipFile(out, "w") as target:
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet2.xml":
                content = content[: len(content) // 2]  # cut short: not XML
            target.writestr(part.filename, content)
    text, sheet = read_workbook(out.getvalue(), check)
    assert [row.values["text"] for row in sheet.rows] == ["Seen within 24 hours"]
