"""Add people from a spreadsheet: an account added with a ready row's address or username after the check
and before the adding (another administrator's sheet, or Add user, a moment earlier) is not added twice, nor
does the adding fail with a server error: nobody is added and the new check is shown."""

import pytest

from agencies import people_import
from agencies.models import User
from agencies.tests.factories import UserFactory
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

URL = "/admin/agencies/user/import/"
HEAD = "First name,Last name,E-mail,Role,Username\n"
TEXT = HEAD + "Ann,Lee,ann@example.org,QA manager,ann.lee\nBo,Li,bo@example.org,QA manager,bo.li\n"


def added_meanwhile(monkeypatch, **account):
    """The add's own check passes, then the account is added, as another administrator's add would be
    just before this one takes its turn."""
    real = people_import.check
    done = []

    def check(text):
        sheet = real(text)
        if not done:
            done.append(UserFactory(**account))
        return sheet

    monkeypatch.setattr(people_import, "check", check)


@pytest.mark.parametrize(
    "account",
    [
        {"email": "Ann@Example.org", "username": "ann"},  # the same address, another username
        {"email": "someone@example.org", "username": "bo.li"},  # the same username
    ],
)
def test_an_account_added_between_the_check_and_the_adding_adds_nobody(signed_in, monkeypatch, account):
    shown = signed_in.post(URL, {"text": TEXT, "check": "Check"}).context["form"]["checked"].value()
    added_meanwhile(monkeypatch, **account)

    response = signed_in.post(URL, {"text": TEXT, "add": "Add", "checked": shown})
    assert response.status_code == 200
    page = page_text(response)
    assert "Nobody was added" in page and "1 person is ready to add." in page
    assert not User.objects.filter(username="ann.lee").exists()
    assert User.objects.filter(email__iexact="ann@example.org").count() == (1 if account["username"] == "ann" else 0)
    assert not User.objects.filter(email="bo@example.org").exists()
