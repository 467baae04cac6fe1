"""The page of a person signed in whose account has no role yet names the partnership's contact e-mail
address in brackets when one is set, and prints no empty brackets when none is."""

import pytest
from django.urls import reverse

from agencies.models import Partnership
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roleless(client):
    person = UserFactory(username="nobody", role="", agency=None)
    client.force_login(person)
    return client


def said(client) -> str:
    page = client.get(reverse("home"))
    assert page.status_code == 200 and "No access yet" in page.content.decode()
    return " ".join(page.content.decode().split())


def test_without_a_contact_address_no_empty_brackets(roleless):
    Partnership.objects.update_or_create(pk=Partnership.load().pk, defaults={"contact_email": ""})
    text = said(roleless)
    assert "Ask the quality assurance team to set one up." in text
    assert "()" not in text


def test_with_a_contact_address_it_is_named(roleless):
    partnership = Partnership.load()
    partnership.contact_email = "qa@scp.example.org"
    partnership.save()
    assert "Ask the quality assurance team (qa@scp.example.org) to set one up." in said(roleless)
