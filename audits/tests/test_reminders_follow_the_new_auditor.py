"""After an agency's auditor is replaced in Part A (they left, or are away for long), the reminders and chases
about its returns go to the person named now, never to the one replaced: not a chase or a reminder that was
on its way when the change was made, nor the next day's reminder; and the new auditor can be chased at once,
however recently the one replaced was.

`audit` (conftest.py, "CSE audit") is in Part A: Sussex Police named `auditor`; `colleague` also works there."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import User
from audits.models import Audit
from audits.services.parta import auditor_chase, email_chase, reminder_send, reminders_due
from audits.services.participants import participant_auditor_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_tomorrow(audit):
    Audit.objects.filter(pk=audit.pk).update(part_a_due=timezone.localdate() + timedelta(days=1))
    audit.refresh_from_db()
    return audit


def recipients() -> list[str]:
    return [to for message in mail.outbox for to in message.to]


@pytest.mark.parametrize("left", [True, False], ids=["deactivated", "on-leave"])
def test_reminders_and_chases_go_to_the_new_auditor_only(
    due_tomorrow, agency_a, auditor, colleague, other_auditor, qa_manager, left, django_capture_on_commit_callbacks
):
    audit = due_tomorrow
    assert set(reminders_due()) == {auditor.pk, other_auditor.pk}
    with django_capture_on_commit_callbacks(execute=False):  # on its way, not delivered yet
        before = auditor_chase(user=qa_manager, audit=audit, agency_id=agency_a.pk)
    if left:
        User.objects.filter(pk=auditor.pk).update(is_active=False)
    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)
    mail.outbox.clear()

    assert email_chase(reminder_id=before.pk) is False  # the chase queued before the change
    assert reminder_send(auditor_id=auditor.pk) is None  # a reminder queued for them before it
    assert set(reminders_due()) == {colleague.pk, other_auditor.pk}
    assert reminder_send(auditor_id=colleague.pk) is not None
    assert recipients() == [colleague.email]

    mail.outbox.clear()
    chased = auditor_chase(user=qa_manager, audit=audit, agency_id=agency_a.pk)  # within the hour of the first
    assert chased is not None and chased.auditor == colleague
    assert email_chase(reminder_id=chased.pk) is True
    assert recipients() == [colleague.email]
