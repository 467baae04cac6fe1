"""A manager or practitioner saved without an agency (Add user's default role is Practitioner) is told
so on the agency field, in words, not with the name of the database constraint that refuses it."""

import pytest
from django.urls import reverse

from agencies.models import Role, User
from agencies.tests.test_admin import user_form

pytestmark = pytest.mark.django_db

MESSAGE = "Managers, practitioners, auditors and lead officers work for an agency: choose theirs."


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.MANAGER])
def test_an_agencys_staff_without_an_agency_are_told_on_the_agency_field(client, it_admin, practitioner, role):
    client.force_login(it_admin)

    response = client.post(
        reverse("admin:agencies_user_change", args=[practitioner.pk]), user_form(practitioner, role=role, agency="")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Constraint" not in page and "agency_staff_have_an_agency" not in page
    assert response.context["adminform"].form.errors["agency"] == [MESSAGE]
    practitioner.refresh_from_db()
    assert practitioner.agency is not None


def test_the_rule_is_the_models(agency_a):
    from django.core.exceptions import ValidationError

    person = User(username="sam", role=Role.PRACTITIONER)
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert refused.value.message_dict["agency"] == [MESSAGE]
    person.role = Role.QA_MANAGER  # works for the partnership, not an agency
    person.set_password("a long passphrase 12")
    person.full_clean()
