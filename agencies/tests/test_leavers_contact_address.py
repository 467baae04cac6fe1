"""The partnership's contact address, once it is a deactivated account's (a QA manager's own address given as the
contact, who has left), is no longer printed where people are told to write to it: the e-mails' text and the
pages that print it (the no-role page, the lockout page, the password pages) say what they say when no contact
address is set, as the e-mails' reply address already did (833be97). One place decides it:
Partnership.contact_address, one query an instance, never kept in the shared cache of the settings."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import Partnership
from agencies.passwords import email_password_reset
from agencies.services import email_account_change
from agencies.tests.factories import QAManagerFactory, UserFactory

pytestmark = pytest.mark.django_db
ADDRESS = "jo.marsh@scp.example.gov.uk"


@pytest.fixture
def contact():
    """The QA manager whose own address (typed in another case) is the partnership's contact address."""
    partnership = Partnership.load()
    partnership.contact_email = "Jo.Marsh@scp.example.gov.uk"
    partnership.save()
    return QAManagerFactory(email=ADDRESS)


def leaves(person) -> None:
    person.is_active = False
    person.save()


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_account_e_mail_no_longer_tells_people_to_write_to_a_leaver(contact):
    person = UserFactory(email="auditor@police.example.org")
    email_account_change(person_id=person.pk, change="password", by_id=None)
    leaves(contact)
    email_account_change(person_id=person.pk, change="password", by_id=None)

    before, after = (flat(message.body) for message in mail.outbox)
    assert "If you did not, contact Jo.Marsh@scp.example.gov.uk and your IT service desk at once" in before
    assert "jo.marsh" not in after.lower()
    assert "If you did not, tell your partnership's QA manager and your IT service desk at once" in after
    assert [message.reply_to for message in mail.outbox] == [["Jo.Marsh@scp.example.gov.uk"], []]


def test_the_password_reset_e_mail_and_page_leave_a_leavers_address_out(client, contact):
    person = UserFactory(email="auditor@police.example.org")
    leaves(contact)
    email_password_reset(email=person.email)
    body = flat(mail.outbox[0].body)
    assert "jo.marsh" not in body.lower()
    assert "If you get this e-mail again without asking, tell your partnership's QA manager." in body

    page = flat(client.get(reverse("password_reset_done")).content.decode())
    assert "jo.marsh" not in page.lower() and "Still nothing: contact your partnership's QA manager." in page


def test_the_no_role_page_names_the_contact_address_until_its_account_is_deactivated(client, contact):
    client.force_login(UserFactory(username="nobody", role="", agency=None))
    page = flat(client.get(reverse("home")).content.decode())
    assert "Ask the quality assurance team (Jo.Marsh@scp.example.gov.uk) to set one up." in page

    leaves(contact)
    page = flat(client.get(reverse("home")).content.decode())
    assert "jo.marsh" not in page.lower()
    assert "Ask the quality assurance team to set one up." in page and "()" not in page


def test_decided_once_an_instance_and_not_kept_in_the_cached_settings(contact, django_assert_num_queries):
    partnership = Partnership.load()
    with django_assert_num_queries(1):
        assert partnership.contact_address == partnership.contact_address == "Jo.Marsh@scp.example.gov.uk"
    partnership.save()  # the settings saved (and cached again) by an instance that had read it

    leaves(contact)
    assert Partnership.load().contact_address == ""  # the deactivation is seen at once, not in 5 minutes
    partnership.contact_email = "qa.team@scp.example.gov.uk"  # the instance reads its own new address
    assert partnership.contact_address == "qa.team@scp.example.gov.uk"
    partnership.contact_email = ""
    with django_assert_num_queries(0):
        assert partnership.contact_address == ""
