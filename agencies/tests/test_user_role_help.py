"""Add user and a person's page say what each role is for, and that an agency's auditor and an audit's lead
officer are chosen for each audit in Planning rather than being roles (the onboarding review: a new
partnership's administrator, with a list of 'auditors' to add, found no such role and no word on where
auditors are named)."""

import pytest
from django.urls import reverse

from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

SAID = "An agency's auditor and an audit's lead officer are not roles: they are chosen for each audit, in Planning."


def test_add_user_says_what_the_roles_are_and_who_needs_an_agency(signed_in):
    page = page_text(signed_in.get(reverse("admin:agencies_user_add")))

    assert SAID in page
    assert "QA managers and administrators need none." in page


def test_a_persons_page_says_it_too(signed_in, auditor):
    page = page_text(signed_in.get(reverse("admin:agencies_user_change", args=[auditor.pk])))

    assert SAID in page
