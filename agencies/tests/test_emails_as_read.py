"""The portal's account e-mails as their recipients read them, a person's blank name included. Rendered
through the real service functions into Django's locmem outbox."""

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import Role
from agencies.services import email_qa_manager_appointed
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_qa_managers_told_of_an_appointment_read_an_account_without_a_name_once(qa_manager, administrator):
    """An account added with a username only (Administration → Users asks no name) read "gave the account
    new.qa (new.qa) the QA manager role", its username given twice as if it were a name."""
    person = UserFactory(username="new.qa", first_name="", last_name="", role=Role.QA_MANAGER, agency=None)
    at = timezone.now().isoformat()
    assert email_qa_manager_appointed(person_id=person.pk, by_id=administrator.pk, at=at, to=[qa_manager.email])
    body = " ".join(mail.outbox[0].body.split())
    assert "gave the account new.qa the QA manager role on the audit portal." in body
    assert "(new.qa)" not in body
