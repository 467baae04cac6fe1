"""Two accounts never share an e-mail address, compared without case: password reset, invitations and e-mail-change
notices go by address. Add user and a person's page refuse an address another account has, on the E-mail field,
naming that account, what was typed kept; the database refuses it too (each_email_one_account), and an address
taken between a page's check and its save (another administrator at the same moment) shows the page again with
that error, not a server error."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from agencies import people_import
from agencies.models import Role, User, UserManager
from agencies.tests.factories import UserFactory
from agencies.tests.test_admin import user_form
from agencies.tests.test_admin_add_user import person as add_user_form
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

ADD = reverse("admin:agencies_user_add")
IMPORT = "/admin/agencies/user/import/"


def person(**fields) -> dict:
    """Add user's form for Sam Rowe, a QA manager (no agency to name)."""
    return add_user_form(role=Role.QA_MANAGER, agency="", **fields)


@pytest.fixture
def sam(db):
    return UserFactory(username="sam.rowe", first_name="Samantha", last_name="Rowe", email="Sam.Rowe@example.org")


def test_the_database_refuses_a_second_account_with_an_address_in_any_case(sam):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="someone", email="SAM.ROWE@EXAMPLE.ORG")
    UserFactory(username="no.address.1", email="")
    UserFactory(username="no.address.2", email="")  # a blank address is nobody's


def test_add_user_refuses_an_address_another_account_has_naming_it(signed_in, sam):
    response = signed_in.post(ADD, person(email="sam.ROWE@example.org"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {
        "email": [
            "sam.ROWE@example.org is already the e-mail address of Samantha Rowe (username sam.rowe). Each account "
            "needs its own, as password links and notices are sent to it: give another address, or change theirs "
            "first."
        ]
    }
    assert form["email"].value() == "sam.ROWE@example.org" and form["username"].value() == "sam.social"
    assert not User.objects.filter(username="sam.social").exists()


def test_a_persons_page_refuses_another_accounts_address_but_not_their_own(signed_in, sam, practitioner):
    url = reverse("admin:agencies_user_change", args=[practitioner.pk])
    response = signed_in.post(url, user_form(practitioner, email="sam.rowe@EXAMPLE.org", job_title="Nurse"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["email"] and "Samantha Rowe (username sam.rowe)" in form.errors["email"][0]
    assert (form["email"].value(), form["job_title"].value()) == ("sam.rowe@EXAMPLE.org", "Nurse")
    practitioner.refresh_from_db()
    assert (practitioner.email, practitioner.job_title) == ("practitioner.c@example.org", "")

    # Sam's own page, saved with Sam's own address (in another case): saved.
    url = reverse("admin:agencies_user_change", args=[sam.pk])
    response = signed_in.post(url, user_form(sam, email="sam.rowe@example.org", job_title="Nurse"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    sam.refresh_from_db()
    assert (sam.email, sam.job_title) == ("sam.rowe@example.org", "Nurse")


def missed_by_the_check(monkeypatch, **account):
    """Another account has the address, but the page's check missed it: as when another administrator's save
    commits after this page's check and before its save (agencies/tests/test_unique_email_races.py does it
    with two requests at once). The next check sees it."""
    other = UserFactory(**account)
    real = UserManager.email_taken_by
    calls = []

    def email_taken_by(self, email, **kwargs):
        calls.append(email)
        return None if len(calls) == 1 else real(self, email, **kwargs)

    monkeypatch.setattr(UserManager, "email_taken_by", email_taken_by)
    return other


def test_an_address_taken_between_add_users_check_and_its_save_is_refused_on_the_field(signed_in, monkeypatch):
    missed_by_the_check(
        monkeypatch, username="sam.first", first_name="Sam", last_name="First", email="SAM.ROWE@example.org"
    )

    response = signed_in.post(ADD, person())

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["email"] and "Sam First (username sam.first)" in form.errors["email"][0]
    assert form["email"].value() == "sam.rowe@example.org"
    assert list(User.objects.filter(email__iexact="sam.rowe@example.org").values_list("username", flat=True)) == [
        "sam.first"
    ]
    assert signed_in.get(reverse("admin:agencies_user_changelist")).status_code == 200  # the transaction is usable


def test_an_address_taken_between_a_persons_page_check_and_its_save_is_refused(signed_in, practitioner, monkeypatch):
    missed_by_the_check(
        monkeypatch, username="sam.first", first_name="Sam", last_name="First", email="sam.rowe@example.org"
    )
    url = reverse("admin:agencies_user_change", args=[practitioner.pk])

    response = signed_in.post(url, user_form(practitioner, email="Sam.Rowe@example.org", job_title="Nurse"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["email"] and "Sam First (username sam.first)" in form.errors["email"][0]
    assert (form["email"].value(), form["job_title"].value()) == ("Sam.Rowe@example.org", "Nurse")
    practitioner.refresh_from_db()
    assert (practitioner.email, practitioner.job_title) == ("practitioner.c@example.org", "")


def test_a_sheets_address_taken_after_its_last_check_adds_nobody(signed_in, monkeypatch):
    """An account given a ready row's address after the adding's own check under the sheets' lock (by Add user
    or a person's page, which do not take it), before the row is saved: the database refuses the row, nobody
    is added, and the check is shown again. (Here the account is added in the adding's own transaction, so it
    goes with it; agencies/tests/test_unique_email_races.py adds it from another request.)"""
    text = "First name,Last name,E-mail,Role\nAnn,Lee,ann@example.org,QA manager\nBo,Li,bo@example.org,QA manager\n"
    shown = signed_in.post(IMPORT, {"text": text, "check": "Check"}).context["form"]["checked"].value()
    real = people_import._taken_since_checked

    def taken_since_checked(sheet):
        found = real(sheet)
        UserFactory(username="bo.first", email="Bo@Example.org")
        return found

    monkeypatch.setattr(people_import, "_taken_since_checked", taken_since_checked)

    response = signed_in.post(IMPORT, {"text": text, "add": "Add", "checked": shown})

    assert response.status_code == 200
    page = page_text(response)
    assert "Nobody was added" in page and "2 people are ready to add." in page
    assert not User.objects.filter(email__iexact="bo@example.org").exists()
    assert not User.objects.filter(email="ann@example.org").exists()


def test_createsuperuser_refuses_an_address_another_account_has(sam, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long first administrator password")
    with pytest.raises(
        CommandError, match="SAM.rowe@example.org is already the e-mail address of the account sam.rowe"
    ):
        call_command("createsuperuser", "--noinput", username="it.first", email="SAM.rowe@example.org", verbosity=0)
    assert not User.objects.filter(username="it.first").exists()


def test_the_model_check_names_the_rule(sam):
    other = User(username="other", email="sam.rowe@example.org", role=Role.QA_MANAGER)
    with pytest.raises(ValidationError, match="Another account already has this e-mail address."):
        other.full_clean()
