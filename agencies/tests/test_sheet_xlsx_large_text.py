"""A workbook's worksheet whose text (as a CSV file of it) is over the sheet's size limit: a worksheet that does
not name the columns (a long list of notes or of choices before the tool's) is passed over as any other such
worksheet is, and the worksheet read is refused saying why it is large, not that it has too many rows to add
when it has a few: a cell far below them makes every row up to it part of the sheet."""

from __future__ import annotations

import io

import openpyxl

from agencies.sheets import MAX_BYTES, Columns, SheetError, read, read_workbook

COLUMNS = Columns(headings={"stage": ("Stage",), "text": ("Standard",)}, required=("stage", "text"))


def check(text: str):
    return read(text, COLUMNS)


def saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_large_worksheet_not_naming_the_columns_is_passed_over():
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["How to fill in the tool"])
    for n in range(300):  # over MAX_BYTES as text, in fewer rows than MAX_ROWS
        notes.append([f"Note {n}: " + "x" * 2000])
    tool = book.create_sheet("Tool")
    tool.append(["Stage", "Standard"])
    tool.append(["Response", "Seen within 24 hours"])

    text, sheet = read_workbook(saved(book), check)

    assert text == "Stage,Standard\nResponse,Seen within 24 hours\n"
    assert [row.values["text"] for row in sheet.rows] == ["Seen within 24 hours"]


def test_a_cell_far_below_the_rows_is_said_so_not_that_there_are_too_many_rows():
    book = openpyxl.Workbook()
    tool = book.active
    tool.title = "Tool"
    tool.append(["Stage", "Standard"])
    tool.append(["Response", "Seen within 24 hours"])
    tool.cell(row=600_000, column=1, value="x")  # a stray cell, far below

    try:
        read_workbook(saved(book), check)
    except SheetError as error:
        said = str(error)
    else:
        raise AssertionError("read")

    assert said == (
        f"The worksheet “Tool” is larger than {MAX_BYTES // 1024} KB as text (its rows run to row 600000): delete "
        "any rows and columns below and beside the ones to add (a cell far below them makes every row up to it "
        "part of the sheet) and check again, or split it, at most 500 rows at a time."
    )
