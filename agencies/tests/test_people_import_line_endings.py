"""Add people from a spreadsheet with a CSV file saved with LF line endings (LibreOffice, a Mac, Google
Sheets): after the check, the sheet is in the box, and the browser sends the box's lines back ending in
CR LF. Adding the people ready must not be refused as "the sheet was changed"."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import User
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

URL = "/admin/agencies/user/import/"
SHEET = (
    "First name,Last name,E-mail,Role,Agency\nAnn,Lee,ann@example.org,QA manager,\nBo,Li,bo@example.org,QA manager,\n"
)


def test_a_file_with_lf_line_endings_checked_then_added_from_the_box_as_a_browser_sends_it(
    signed_in, django_capture_on_commit_callbacks
):
    response = signed_in.post(URL, {"upload": SimpleUploadedFile("people.csv", SHEET.encode()), "check": "Check"})
    assert "2 people are ready to add." in page_text(response)
    shown = response.context["form"]["checked"].value()
    boxed = response.context["form"]["text"].value()

    # What a browser posts from the textarea: its lines end in CR LF (HTML's form submission).
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(URL, {"text": boxed.replace("\n", "\r\n"), "checked": shown, "add": "Add"})
    assert "Nobody was added" not in page_text(response)
    assert set(
        User.objects.filter(email__in=["ann@example.org", "bo@example.org"]).values_list("email", flat=True)
    ) == {
        "ann@example.org",
        "bo@example.org",
    }


def test_a_sheet_pasted_with_cr_lf_is_checked_and_added_as_well(signed_in, django_capture_on_commit_callbacks):
    text = SHEET.replace("\n", "\r\n")
    shown = signed_in.post(URL, {"text": text, "check": "Check"}).context["form"]["checked"].value()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(URL, {"text": text, "checked": shown, "add": "Add"})
    assert User.objects.filter(email="bo@example.org").exists()
