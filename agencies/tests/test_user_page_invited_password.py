"""A person's page in Administration → Users after they were added (the onboarding review): with no password
yet, it says they choose their own with the link e-mailed to them, rather than Django's 'Enable
password-based authentication for this user by setting a password.', which read as a step the
administrator had left to do."""

import pytest
from django.urls import reverse

from agencies.tests.factories import UserFactory
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db


def test_an_invited_person_without_a_password_is_said_to_choose_their_own(signed_in, agency_a):
    person = UserFactory(agency=agency_a)
    person.set_unusable_password()
    person.save()

    page = page_text(signed_in.get(reverse("admin:agencies_user_change", args=[person.pk])))

    assert "They choose their own password with the link e-mailed to them when they were added" in page
    assert "“Forgotten your password?” on the sign-in page" in page
    assert "Enable password-based authentication" not in page


def test_a_person_with_a_password_keeps_the_usual_words(signed_in, agency_a):
    person = UserFactory(agency=agency_a)

    page = page_text(signed_in.get(reverse("admin:agencies_user_change", args=[person.pk])))

    assert "They choose their own password" not in page
