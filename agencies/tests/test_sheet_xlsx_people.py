"""Add people from a spreadsheet with an Excel workbook (.xlsx): the workbook is checked, its sheet put in the
box as text, and adding works from that text (the check's fingerprint); the sheet to start from is offered as a
workbook too, every cell text, and checks as it stands."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import User
from agencies.tests.test_sheet_xlsx import workbook
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

URL = "/admin/agencies/user/import/"


def test_a_workbook_is_checked_then_its_people_added_from_the_text_in_the_box(signed_in, agency_a):
    data = workbook(
        (
            "People",
            [
                [None],  # a blank first row: the box keeps it, and row numbers stay the workbook's
                ["First name", "Last name", "E-mail", "Role", "Agency", "Phone"],
                ["Ann", "Lee", "ann.lee@example.org", "Practitioner", agency_a.name, 1234567890],
                ["Bo", "Ray", "not an address", "Practitioner", agency_a.name, None],
            ],
        )
    )
    upload = SimpleUploadedFile("people.xlsx", data)
    response = signed_in.post(URL, {"upload": upload, "check": "Check"})
    assert "1 person is ready to add." in page_text(response)
    sheet = response.context["sheet"]
    assert [(row.line, row.ok) for row in sheet.rows] == [(3, True), (4, False)]
    assert sheet.ignored == ["Phone"]
    form = response.context["form"]
    text = form["text"].value()
    assert text == (
        "\nFirst name,Last name,E-mail,Role,Agency,Phone\n"
        f"Ann,Lee,ann.lee@example.org,Practitioner,{agency_a.name},1234567890\n"
        f"Bo,Ray,not an address,Practitioner,{agency_a.name},\n"
    )
    # As a browser sends the box back: the line break after <textarea> dropped, its lines ending in CR LF.
    html = response.content.decode()
    assert '<textarea name="text"' in html and "\n\nFirst name,Last name" in html
    assert not User.objects.filter(email="ann.lee@example.org").exists()

    response = signed_in.post(
        URL, {"text": text.replace("\n", "\r\n"), "checked": form["checked"].value(), "add": "Add"}
    )
    assert User.objects.get(email="ann.lee@example.org").agency == agency_a
    assert response.context["form"]["text"].value() == (
        f"First name,Last name,E-mail,Role,Agency,Phone\nBo,Ray,not an address,Practitioner,{agency_a.name},\n"
    )


def test_the_sheet_to_start_from_as_a_workbook_checks_as_it_stands(signed_in, agency_a):
    page = signed_in.get(URL).content.decode()
    assert 'href="?example=xlsx"' in page and "Download a sheet to start from (Excel, .xlsx)" in page
    assert 'href="?example"' in page
    response = signed_in.get(URL + "?example=xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == [
        "First name",
        "Last name",
        "E-mail",
        "Role",
        "Agency",
        "Job title",
        "Username",
    ]
    assert all(cell.font.b for cell in sheet[1])
    assert all(
        cell.data_type == "s" and cell.number_format == "@" for row in sheet.iter_rows() for cell in row if cell.value
    )

    response = signed_in.post(URL, {"upload": SimpleUploadedFile("people.xlsx", response.content), "check": "Check"})
    assert "1 person is ready to add." in page_text(response)
