"""A person's e-mail address changed in Administration: the OLD address is told (sign-in notices and
the notices of changes to how they sign in go to the address on the account, so changing it is how an
account is taken over), once per change, after the change commits, with the new address partly masked.
The new address is sent nothing. Through the real outbox and
run_once code, with Django's test mail outbox."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from agencies.models import AccessRecord, Partnership
from agencies.outbox import outbox_send
from agencies.services import email_address_change, masked_email
from agencies.tasks import notify_email_change
from agencies.tests.test_admin import user_form

pytestmark = pytest.mark.django_db

TASK = "agencies.tasks.notify_email_change"
NEW = "someone.else@elsewhere.example.net"


def change_url(person) -> str:
    return reverse("admin:agencies_user_change", args=[person.pk])


def notices() -> list:
    from agencies.models import OutboxMessage

    return list(OutboxMessage.objects.filter(task=TASK))


def test_the_old_address_is_told_once_who_changed_it_and_to_what_masked(
    signed_in, practitioner, django_capture_on_commit_callbacks
):
    partnership = Partnership.load()
    partnership.contact_email = "qa.team@scp.example.org"
    partnership.save()
    old = practitioner.email

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(change_url(practitioner), user_form(practitioner, email=NEW))

    assert response.status_code == 302
    [notice] = mail.outbox
    assert notice.to == [old]
    assert "s***@elsewhere.example.net" in notice.body and NEW not in notice.body
    assert "by Ifor Evans on " in notice.body
    assert "contact qa.team@scp.example.org" in notice.body
    assert f"the {partnership.name} audit portal" in notice.body
    # The access record of the change is the one the admin writes, as it was.
    [record] = AccessRecord.objects.filter(object_id=str(practitioner.pk))
    assert f"email {old} → {NEW}" in record.summary


def test_nothing_is_sent_when_the_address_is_not_changed(signed_in, practitioner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(change_url(practitioner), user_form(practitioner, first_name="Pat"))
    assert response.status_code == 302
    assert mail.outbox == [] and notices() == []


def test_nothing_is_sent_when_the_change_is_rolled_back(signed_in, practitioner, django_capture_on_commit_callbacks):
    class RolledBack(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RolledBack):
        with transaction.atomic():
            assert signed_in.post(change_url(practitioner), user_form(practitioner, email=NEW)).status_code == 302
            raise RolledBack
    practitioner.refresh_from_db()
    assert practitioner.email != NEW
    assert mail.outbox == [] and notices() == []


def test_a_notice_delivered_again_is_not_emailed_again(signed_in, practitioner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(change_url(practitioner), user_form(practitioner, email=NEW))
    assert len(mail.outbox) == 1
    [message] = notices()
    message.refresh_from_db()
    assert message.done_at is not None

    notify_email_change.apply(args=message.args, task_id=f"outbox-{message.pk}")  # Redis redelivers it
    type(message).objects.filter(pk=message.pk).update(sent_at=None)  # its "sent" mark was lost
    assert outbox_send(message_id=message.pk) is True
    assert len(mail.outbox) == 1


def test_an_address_removed_is_told_too(signed_in, practitioner, django_capture_on_commit_callbacks):
    """Without an address the person hears of nothing else: the old address is told it was removed."""
    old = practitioner.email
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_in.post(change_url(practitioner), user_form(practitioner, email="")).status_code == 302
    [notice] = mail.outbox
    assert notice.to == [old] and "was removed by Ifor Evans" in notice.body
    assert "your IT service desk" in notice.body  # no partnership contact set: the general advice


def test_the_notice_gives_the_local_time_of_the_change(practitioner):
    """Sent later (the broker was down), it still says when the change was made, in UK time."""
    changed_at = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC).isoformat()
    sent = email_address_change(
        person_id=practitioner.pk, old_email="old@example.org", new_email=NEW, by_id=None, at=changed_at
    )
    assert sent is True
    [notice] = mail.outbox
    assert "by an administrator on 1 July 2026, 00:30" in notice.body


@pytest.mark.parametrize(
    ("address", "shown"),
    [("nina.patel@example.org", "n***@example.org"), ("n@example.org", "n***@example.org"), ("odd", "***")],
)
def test_the_new_address_is_masked(address, shown):
    assert masked_email(address) == shown
