"""Add people from a spreadsheet: the check (agencies.people_import.check) reads the agencies, the addresses
and the usernames taken once for the whole sheet, so a sheet of 500 people is checked in the same 3 queries as
one of 2 (it took 6 a row: the agency, that it exists, the constraint's check in a savepoint, the username),
and twice so when adding them. The rules are Add user's still."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.people_import import check
from agencies.sheets import MAX_ROWS

pytestmark = pytest.mark.django_db

HEAD = "First name,Last name,E-mail,Role,Agency,Username\n"


def queries(text: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        sheet = check(text)
    assert sheet.rows and not sheet.bad, [row.errors for row in sheet.bad]
    return len(captured)


def test_the_check_reads_the_database_the_same_few_times_however_many_rows(agency_a):
    def sheet(count):
        return HEAD + "".join(f"A{n},Lee,a{n}@example.org,Practitioner,{agency_a.name},\n" for n in range(count))

    assert queries(sheet(2)) == queries(sheet(MAX_ROWS)) == 3


def test_each_row_is_still_checked_by_add_users_rules(agency_a, auditor):
    sheet = check(
        HEAD
        + f"Ann,Lee,ann@example.org,Manager,{agency_a.short_name},ann lee\n"  # not a username
        + f"Bo,Li,bo@example.org,Manager,,{auditor.username}\n"  # taken; and no agency
    )
    said = [row.errors for row in sheet.rows]
    assert said[0] and said[0][0].startswith("Username: Enter a valid username.")
    assert sorted(said[1]) == [
        "Agency: Managers, practitioners, auditors and lead officers work for an agency: choose theirs.",
        "Username: A user with that username already exists.",
    ]
    # Another username to the database, which compares them exactly.
    [row] = check(HEAD + f"Cy,Ng,cy@example.org,Manager,{agency_a.name},{auditor.username.upper()}\n").rows
    assert row.ok and row.form.instance.agency == agency_a
    person = row.form.save()
    assert (person.username, person.agency, person.role) == (auditor.username.upper(), agency_a, "manager")
