"""A spreadsheet import's form (agencies.sheets.SheetForm, admin/sheet_import_form.html): an error of its file
or its box (an empty file, a NUL character pasted) is shown by the field, said with it (aria-describedby,
aria-invalid), and not replaced by 'Choose a CSV file, or paste…', which was all the page said of them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

URL = "/admin/agencies/user/import/"


def test_an_empty_file_is_said_by_the_file_field(signed_in):
    response = signed_in.post(URL, {"upload": SimpleUploadedFile("people.csv", b""), "check": "Check"})
    html, page = response.content.decode(), page_text(response)
    assert "The submitted file is empty." in page and "Choose a CSV file" not in page
    assert '<ul class="errorlist" id="upload-error">' in html
    assert 'aria-describedby="upload-error upload-help" aria-invalid="true"' in html


def test_a_nul_character_pasted_is_said_by_the_box_which_keeps_the_text(signed_in):
    text = "First name,Last name,E-mail,Role\nAnn,Lee,ann@example.org,QA\0 manager\n"
    response = signed_in.post(URL, {"text": text, "check": "Check"})
    html, page = response.content.decode(), page_text(response)
    assert "Null characters are not allowed." in page and "Choose a CSV file" not in page
    assert 'aria-describedby="text-error text-help" aria-invalid="true"' in html
    assert "Ann,Lee,ann@example.org" in html


def test_a_sheet_that_cannot_be_read_is_said_with_both_fields(signed_in):
    html = signed_in.post(URL, {"text": "Name\nAnn\n", "check": "Check"}).content.decode()
    assert 'id="sheet-error" role="alert"' in html
    assert 'aria-describedby="sheet-error text-help" aria-invalid="true"' in html
    assert 'aria-describedby="sheet-error upload-help" aria-invalid="true"' in html
