"""Add stages and standards from a spreadsheet with an Excel workbook (.xlsx): the version's sheet to start
from is offered as a workbook whose every cell is text, so that a code 1.10 edited in Excel comes back 1.10
(the CSV opened in Excel makes it the number 1.1); uploaded, the workbook is checked and added from the text
the check put in the box."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.tests.test_sheet_xlsx import workbook
from audits.models import AnswerType, AuditTool, Section, Standard, ToolVersion
from audits.tests.admin_support import page_text
from audits.tests.factories import make_scale

pytestmark = pytest.mark.django_db


def url(version) -> str:
    return reverse("admin:audits_toolversion_import", args=[version.pk])


def standards(version) -> list[tuple]:
    return list(
        Standard.objects.filter(section__version=version)
        .order_by("section__order", "order")
        .values_list("section__title", "section__description", "code", "text", "guidance", "answer_type")
    )


def check_and_add(client, version, data: bytes):
    """The workbook uploaded and checked, then added as a browser sends the page's form back."""
    response = client.post(url(version), {"upload": SimpleUploadedFile("tool.xlsx", data), "check": "Check"})
    assert "Every row is ready to add." in page_text(response), page_text(response)
    form = response.context["form"]
    text = form["text"].value().replace("\n", "\r\n")
    return client.post(url(version), {"text": text, "checked": form["checked"].value(), "add": "Add"})


@pytest.fixture
def tool():
    return AuditTool.objects.create(name="Neglect audit tool")


def test_the_versions_sheet_as_a_workbook_keeps_its_codes_and_adds_back_as_it_was(client, qa_manager, tool):
    source = ToolVersion.objects.create(tool=tool, number=1, scale=make_scale())
    empty = ToolVersion.objects.create(tool=tool, number=2, scale=source.scale)
    response_stage = Section.objects.create(version=source, order=1, title="Response", description="@ the front door")
    review = Section.objects.create(version=source, order=2, title="Review")
    Standard.objects.create(
        section=response_stage, order=1, code="1.10", text="- the child was seen alone", guidance="=what was said"
    )
    Standard.objects.create(
        section=response_stage,
        order=2,
        code="1.2",
        text="Risks were recognised.",
        guidance="Line one\nline two",
        answer_type=AnswerType.TEXT,
    )
    Standard.objects.create(section=review, order=1, code="2.0", text="+ the plan was reviewed")
    client.force_login(qa_manager)

    page = client.get(url(source)).content.decode()
    assert "Download this version&#x27;s stages and standards as a sheet (Excel, .xlsx)" in page
    response = client.get(url(source) + "?example=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="neglectaudittool-v1.xlsx"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()  # no cell is a formula
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2" and all(cell.font.b for cell in sheet[1])
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_col=4)] == [
        ["Response", "1.10", "- the child was seen alone", "=what was said"],
        ["Response", "1.2", "Risks were recognised.", "Line one\nline two"],
        ["Review", "2.0", "+ the plan was reviewed", None],
    ]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
    assert all(cell.data_type == "s" and cell.number_format == "@" for cell in cells)
    assert {cell.value for cell in cells if cell.quotePrefix} == {
        "- the child was seen alone",
        "=what was said",
        "+ the plan was reviewed",
        "@ the front door",
    }
    assert sheet.column_dimensions["B"].number_format == "@"  # codes typed in later are text too
    assert 8 <= sheet.column_dimensions["B"].width <= 12 and sheet.column_dimensions["C"].width == 28

    check_and_add(client, empty, response.content)
    assert standards(empty) == standards(source)


def test_a_code_excel_stored_as_a_number_is_read_as_that_number(client, qa_manager, empty_version):
    # "1.10" typed into a cell formatted as a number is the number 1.1 in the workbook: 1.1 is what is read
    # (the workbook does not hold "1.10" any more); a whole number is read without ".0".
    data = workbook(
        (
            "Tool",
            [
                ["Stage", "Code", "Standard"],
                ["Response", 1.1, "The first response was timely."],
                ["Response", "1.10", "Risks were recognised."],
                ["Review", 2.0, "The plan was reviewed."],
            ],
        )
    )
    client.force_login(qa_manager)
    check_and_add(client, empty_version, data)
    assert [row[2] for row in standards(empty_version)] == ["1.1", "1.10", "2"]
