"""A person with board access (full board reports) whose role or agency an administrator changes keeps it: the
partnership decides who reads the board's reports, so it is not removed, but the administrator is told on the
page that it stays, to untick it if the new job does not need it."""

import pytest
from django.urls import reverse

from agencies.models import Role, User
from agencies.tests.factories import AgencyFactory, UserFactory
from agencies.tests.test_admin import user_form

pytestmark = pytest.mark.django_db
WARNING = (
    "Mara Quinn still has board access (full board reports): untick it on this page if their new job does not need it."
)


@pytest.fixture
def manager():
    return UserFactory(
        first_name="Mara", last_name="Quinn", role=Role.MANAGER, agency=AgencyFactory(name="Police"), board_access=True
    )


def save(client, person: User, *, board_access: bool = True, **fields) -> str:
    form = user_form(person, **fields)
    if not board_access:
        form.pop("board_access", None)  # Board access unticked
    response = client.post(reverse("admin:agencies_user_change", args=[person.pk]), form, follow=True)
    assert response.redirect_chain, "the person was not saved"
    return " ".join(response.content.decode().split())


def test_a_change_of_role_with_board_access_left_on_warns(signed_in, manager):
    html = save(signed_in, manager, role=Role.PRACTITIONER)
    assert WARNING in html
    manager.refresh_from_db()
    assert manager.role == Role.PRACTITIONER and manager.board_access  # not removed: the partnership's decision


def test_a_change_of_agency_with_board_access_left_on_warns(signed_in, manager):
    html = save(signed_in, manager, agency=AgencyFactory(name="Health").pk)
    assert WARNING in html
    manager.refresh_from_db()
    assert manager.agency.name == "Health" and manager.board_access


def test_board_access_unticked_in_the_same_save_says_nothing(signed_in, manager):
    html = save(signed_in, manager, board_access=False, role=Role.PRACTITIONER)
    assert "still has board access" not in html
    manager.refresh_from_db()
    assert manager.role == Role.PRACTITIONER and not manager.board_access


def test_nothing_for_a_person_without_board_access_or_a_save_that_moves_nobody(signed_in, manager):
    colleague = UserFactory(role=Role.MANAGER, agency=manager.agency, board_access=False)
    assert "still has board access" not in save(signed_in, colleague, role=Role.PRACTITIONER)
    assert "still has board access" not in save(signed_in, manager, job_title="Detective inspector")
