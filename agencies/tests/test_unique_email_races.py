"""Two saves giving accounts the same e-mail address at the same moment (two administrators' Add user, or Add user
and a spreadsheet's people): each page's check passes, as neither sees the other's uncommitted account, and
the database's unique address (each_email_one_account) makes the second wait, then refuses it. The second is
not a server error: Add user shows its page again with the address refused on the E-mail field, naming the
account; a sheet adds nobody and shows its check again."""

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Role, User
from audits.tests.admin_support import page_text
from audits.tests.concurrency_support import in_turn

pytestmark = pytest.mark.django_db(transaction=True)

ADD = reverse("admin:agencies_user_add")
IMPORT = "/admin/agencies/user/import/"
# Bo first: the sheet's adding saves Bo's account before it waits (for the access log, as each request does).
SHEET = "First name,Last name,E-mail,Role,Username\nBo,Li,BO@example.org,QA manager,bo.li\nAnn,Lee,ann@example.org,QA manager,ann.lee\n"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_user(user, username: str, email: str):
    data = {
        "username": username,
        "first_name": "Bo",
        "last_name": username.title(),
        "email": email,
        "role": Role.QA_MANAGER,
        "agency": "",
    }
    client = client_of(user)
    return lambda: client.post(ADD, data)


def add_sheet(user):
    client = client_of(user)
    shown = client.post(IMPORT, {"text": SHEET, "check": "Check"}).context["form"]["checked"].value()
    return lambda: client.post(IMPORT, {"text": SHEET, "add": "Add", "checked": shown})


def with_address(email: str) -> list[str]:
    return list(User.objects.filter(email__iexact=email).values_list("username", flat=True))


def test_two_administrators_adding_the_same_address_at_once_add_one_account(it_admin):
    outcomes = in_turn(
        {
            "first": add_user(it_admin, "bo.first", "bo@example.org"),
            "second": add_user(it_admin, "bo.second", "Bo@Example.org"),
        }
    )

    assert outcomes["first"].status_code == 302
    second = outcomes["second"]
    assert second.status_code == 200, second
    form = second.context["adminform"].form
    assert list(form.errors) == ["email"] and "Bo Bo.First (username bo.first)" in form.errors["email"][0]
    assert form["email"].value() == "Bo@Example.org"
    assert with_address("bo@example.org") == ["bo.first"]


def test_add_user_a_moment_before_a_sheet_with_the_address_adds_nobody_from_the_sheet(it_admin):
    outcomes = in_turn({"add user": add_user(it_admin, "bo.first", "bo@example.org"), "sheet": add_sheet(it_admin)})

    assert outcomes["add user"].status_code == 302
    sheet = outcomes["sheet"]
    assert sheet.status_code == 200, sheet
    page = page_text(sheet)
    assert "Nobody was added" in page and "1 person is ready to add." in page
    assert "BO@example.org already has an account (username bo.first)." in page
    assert with_address("bo@example.org") == ["bo.first"] and not with_address("ann@example.org")


def test_a_sheet_a_moment_before_add_user_with_its_address_refuses_add_user(it_admin):
    outcomes = in_turn({"sheet": add_sheet(it_admin), "add user": add_user(it_admin, "bo.first", "bo@example.org")})

    assert outcomes["sheet"].status_code == 302
    added = outcomes["add user"]
    assert added.status_code == 200, added
    assert "Bo Li (username bo.li)" in added.context["adminform"].form.errors["email"][0]
    assert with_address("bo@example.org") == ["bo.li"] and with_address("ann@example.org") == ["ann.lee"]
