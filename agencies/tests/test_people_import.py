"""Administration → Users → Add people from a spreadsheet (agencies.people_import): the sheet read as
Excel writes it or as cells pasted from it, each row checked as Add user checks a person, nobody added
before the check was seen, and the rows not added given back as typed."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from agencies.models import AccessRecord, Role, User
from agencies.outbox import outbox_pending
from agencies.people_import import COLUMNS, check
from agencies.sheets import MAX_ROWS, SheetError, decode, fingerprint, read
from agencies.tests.factories import UserFactory
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

URL = "/admin/agencies/user/import/"
HEAD = "First name,Last name,E-mail,Role,Agency,Job title\n"


def checked(text: str):
    return check(text)


def errors(sheet) -> list[list[str]]:
    return [row.errors for row in sheet.rows]


# --- Reading the sheet ------------------------------------------------------------------------------


def test_cells_pasted_from_a_spreadsheet_are_tab_separated_and_headings_are_read_loosely(agency_a):
    sheet = checked(
        "first name\tSURNAME\tEmail Address\trole\tOrganisation\tPhone\n"
        f"Ann\tLee\tann.lee@example.org\tPractitioner\t{agency_a.name}\t0123\n"
    )
    [row] = sheet.rows
    assert row.ok, row.errors
    assert row.form.instance.username == "ann.lee@example.org"
    assert row.form.instance.agency == agency_a
    assert sheet.ignored == ["Phone"]


def test_excel_files_read_with_a_byte_order_mark_semicolons_or_windows_1252(agency_a):
    utf8 = ("\ufeff" + "First name;Last name;Email;Role;Agency\nSiân;Ó Briain;sian@example.org;Manager;A\n").encode()
    windows = "First name,Last name,Email,Role,Agency\nSiân,Ó Briain,sian@example.org,Manager,A\n".encode("cp1252")
    for data in (utf8, windows):
        agency_a.short_name = "A"
        agency_a.save()
        [row] = checked(decode(data)).rows
        assert row.ok, row.errors
        assert (row.form.instance.first_name, row.form.instance.last_name) == ("Siân", "Ó Briain")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "The sheet is empty"),
        ("Name,E-mail\nAnn Lee,ann@example.org\n", "Missing: First name, Last name, Role"),
        ("First name,Last name,Email,E-mail,Role\n", "Two columns are headed E-mail"),
    ],
)
def test_a_sheet_that_cannot_be_read_says_why(text, said):
    with pytest.raises(SheetError, match=said):
        read(text, COLUMNS)


def test_a_quoted_cell_may_hold_a_line_break(agency_a):
    sheet = checked(
        HEAD
        + f'Ann,Lee,ann@example.org,Practitioner,{agency_a.name},"Nurse,\nschool team"\nBo,Li,b@example.org,QA manager,,\n'
    )
    assert [row.line for row in sheet.rows] == [2, 4]
    assert sheet.rows[0].form.instance.job_title == "Nurse,\nschool team"


def test_a_binary_file_and_too_many_rows_are_refused_with_what_to_do():
    with pytest.raises(SheetError, match="save the spreadsheet as CSV"):
        decode(b"PK\x03\x04\0\0 an xlsx file")
    with pytest.raises(SheetError, match=f"at most {MAX_ROWS} at a time"):
        read(HEAD + "Ann,Lee,a@example.org,Practitioner,A\n" * (MAX_ROWS + 1), COLUMNS)
    with pytest.raises(SheetError, match="larger than 512 KB"):
        read(HEAD + "Ann,Lee,a@example.org,Practitioner," + "A" * 600_000 + "\n", COLUMNS)


def test_blank_lines_are_skipped_and_lines_numbered_as_in_the_spreadsheet(agency_a):
    sheet = checked(
        HEAD + f"Ann,Lee,ann@example.org,Practitioner,{agency_a.name},Nurse\n,,,,,\n\nBo,Li,bad,Manager,X\n"
    )
    assert [row.line for row in sheet.rows] == [2, 5]
    assert sheet.rows[0].form.instance.job_title == "Nurse"


# --- Checking each row ------------------------------------------------------------------------------


def test_each_row_is_checked_as_add_user_checks_a_person(agency_a, auditor):
    auditor.email = "Taken.Person@example.org"
    auditor.save()
    sheet = checked(
        HEAD
        + "Ann,Lee,ann@example.org,qa manager,,\n"  # the role by its name, any case; no agency needed
        + f"Bo,Li,bo@example.org,practitioner,{agency_a.short_name.upper()},\n"  # the agency by its short name
        + "Cy,Ng,cy@example.org,Director,,\n"
        + "Di,Ox,di@example.org,Manager,Nowhere Trust,\n"
        + "Ed,Po,ed@example.org,Manager,,\n"
        + "Fa,Qu,taken.person@EXAMPLE.org,QA manager,,\n"
        + "Gu,Ra,not-an-address,QA manager,,\n"
        + "Ha,Sa,BO@example.org,QA manager,,\n"
        + ",Ta,hi@example.org,QA manager,,\n"
        + "Io,Ua,io@example.org,Lead officer,,\n"
    )
    assert errors(sheet)[:2] == [[], []]
    assert sheet.rows[0].form.instance.role == Role.QA_MANAGER
    assert sheet.rows[1].form.instance.agency == agency_a
    said = [" ".join(row.errors) for row in sheet.rows[2:]]
    assert "Role “Director” is not one of QA manager, Manager, Practitioner, Administrator." == said[0]
    assert "No agency is called “Nowhere Trust”" in said[1] and "choose theirs" not in said[1]
    assert "Managers, practitioners, auditors and lead officers work for an agency" in said[2]
    assert f"taken.person@EXAMPLE.org already has an account (username {auditor.username})." == said[3]
    assert "E-mail: Enter a valid email address." == said[4]
    assert "BO@example.org is also on line 3." in said[5]
    assert "First name: This field is required." == said[6]
    assert said[7].startswith("Role “Lead officer” is not one of") and "chosen for each audit in Planning" in said[7]
    assert User.objects.count() == 1  # checking adds nobody


def test_a_username_column_is_used_and_checked_against_the_accounts(auditor):
    sheet = checked(
        "First name,Last name,Email,Role,Username\n"
        f"Ann,Lee,ann@example.org,QA manager,{auditor.username}\n"
        "Bo,Li,bo@example.org,QA manager,bo.li\n"
    )
    assert "Username: A user with that username already exists." in sheet.rows[0].errors
    assert sheet.rows[1].ok and sheet.rows[1].form.instance.username == "bo.li"


# --- The page ----------------------------------------------------------------------------------------


def post(client, text, **extra):
    return client.post(URL, {"text": text, **extra})


def test_the_users_list_offers_it_and_only_those_who_may_add_users_open_it(signed_in, client, it_admin, qa_manager):
    assert reverse("admin:agencies_user_import") == URL
    assert URL in signed_in.get("/admin/agencies/user/").content.decode()

    # Made staff with Administration's permissions by hand but the one to add users (the administrator role
    # grants them all: agencies/administration.py).
    refused = UserFactory(role=Role.MANAGER, is_staff=True)
    refused.user_permissions.set(it_admin.user_permissions.exclude(codename="add_user"))
    client.force_login(User.objects.get(pk=refused.pk))
    assert client.get(URL).status_code == 403
    assert post(client, HEAD + "Ann,Lee,ann@example.org,QA manager,,\n").status_code == 403
    assert URL not in client.get("/admin/agencies/user/").content.decode()

    client.force_login(qa_manager)  # not the admin's
    assert client.get(URL).status_code == 403
    assert User.objects.filter(email="ann@example.org").count() == 0


def test_check_then_add_adds_each_person_as_add_user_does_and_gives_back_the_rows_not_added(
    signed_in, it_admin, agency_a, django_capture_on_commit_callbacks
):
    text = (
        HEAD
        + f"Ann,Lee,ann@example.org,Practitioner,{agency_a.name},Health visitor\n"
        + "Bo,Li,bo@example.org,QA manager,,\n"
        + "Cy,Ng,cy@example.org,Manager,,\n"
    )
    response = post(signed_in, text, check="Check")
    page = page_text(response)
    assert "2 people are ready to add." in page and "1 row needs putting right first" in page
    assert 'value="Add the 2 people ready"' in page and "<td>Health visitor</td>" in response.content.decode()
    assert User.objects.filter(email__in=["ann@example.org", "bo@example.org"]).count() == 0
    shown = response.context["form"]["checked"].value()
    assert shown == fingerprint(text, response.context["sheet"])

    with django_capture_on_commit_callbacks(execute=True):
        response = post(signed_in, text, add="Add", checked=shown)
    ann = User.objects.get(email="ann@example.org")
    bo = User.objects.get(email="bo@example.org")
    assert (ann.role, ann.agency, ann.job_title, ann.username) == (
        Role.PRACTITIONER,
        agency_a,
        "Health visitor",
        "ann@example.org",
    )
    assert not ann.has_usable_password() and bo.role == Role.QA_MANAGER
    assert not User.objects.filter(email="cy@example.org").exists()
    # Each is invited to choose a password (once this commits), as Add user invites one.
    assert sorted(to for message in mail.outbox for to in message.to) == ["ann@example.org", "bo@example.org"]
    assert outbox_pending() == 0
    records = AccessRecord.objects.filter(user=it_admin).values_list("summary", flat=True)
    assert (
        f"Account added from a spreadsheet: {ann.username}, role Practitioner, invited by e-mail to choose a password"
        in records
    )
    assert any(summary.startswith(f"QA manager role given to {bo.username} by") for summary in records)
    assert LogEntry.objects.filter(object_id__in=[str(ann.pk), str(bo.pk)]).count() == 2

    # The row not added, as typed, under the sheet's headings, to put right and check again.
    page = page_text(response)
    assert "2 people added." in page and "1 row was not added" in page
    assert "Nobody is ready to add yet: 1 row needs putting right." in page and "add the others" not in page
    assert response.context["form"]["text"].value() == HEAD + "Cy,Ng,cy@example.org,Manager,,\n"


def test_a_sheet_whose_check_changed_since_it_was_shown_adds_nobody(signed_in, django_capture_on_commit_callbacks):
    text = HEAD + "Ann,Lee,ann@example.org,QA manager,,\nBo,Li,bo@example.org,QA manager,,\n"
    shown = post(signed_in, text, check="Check").context["form"]["checked"].value()
    UserFactory(email="bo@example.org")  # another administrator added Bo meanwhile

    response = post(signed_in, text, add="Add", checked=shown)
    assert "Nobody was added" in page_text(response)
    assert not User.objects.filter(email="ann@example.org").exists()
    assert "1 person is ready to add." in page_text(response)

    # Nor a sheet changed in the box after its check.
    shown = response.context["form"]["checked"].value()
    response = post(signed_in, text.replace("Ann", "Anne"), add="Add", checked=shown)
    assert "Nobody was added" in page_text(response) and not User.objects.filter(first_name="Anne").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(signed_in, text, add="Add", checked=shown)
    assert response.status_code == 200  # Bo's row given back
    assert User.objects.filter(email="ann@example.org").exists()


def test_an_uploaded_file_is_read_and_a_bad_one_keeps_the_page(signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("people.csv", (HEAD + "Ann,Lee,ann@example.org,QA manager,,\n").encode("cp1252"))
    response = signed_in.post(URL, {"upload": upload, "check": "Check"})
    assert "1 person is ready to add." in page_text(response)
    assert response.context["form"]["text"].value().startswith("First name,Last name")

    response = signed_in.post(URL, {"upload": SimpleUploadedFile("people.xlsx", b"PK\x03\x04\0\0"), "check": "Check"})
    assert "save the spreadsheet as CSV" in page_text(response)
    response = signed_in.post(URL, {"text": "   ", "check": "Check"})
    assert "Choose a CSV file, or paste" in page_text(response)


def test_the_sheet_to_start_from_has_the_columns_and_a_row_that_checks(signed_in, agency_a):
    response = signed_in.get(URL + "?example")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffFirst name,Last name,E-mail,Role,Agency,Job title,Username\r\n")
    [row] = check(text.lstrip("\ufeff")).rows
    assert row.ok and row.form.instance.agency == agency_a
