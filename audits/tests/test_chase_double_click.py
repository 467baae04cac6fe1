"""A chase clicked twice at once (a double click, or two managers at the same moment) e-mails the
auditor once: the second request waits for the first and is told the auditor was just chased."""

from __future__ import annotations

from functools import partial

import pytest
from django.core import mail

from audits.models import ReminderKind, ReminderLog
from audits.services.parta import PartAError, auditor_chase
from audits.tests.concurrency_support import at_once


@pytest.mark.django_db(transaction=True)
def test_two_chases_at_once_send_one_email(qa_manager, lead_officer, audit, auditor, agency_a):
    # Both requests are held inside their transactions until both have got as far as they can: writing
    # the access log (the first) and, the second, that too (no lock) or waiting for the first.
    outcomes = at_once(
        {
            user.username: partial(auditor_chase, user=user, audit=audit, agency_id=agency_a.pk)
            for user in (qa_manager, lead_officer)
        },
        catch=PartAError,
    )

    chased = [o for o in outcomes.values() if isinstance(o, ReminderLog)]
    refused = [o for o in outcomes.values() if isinstance(o, PartAError)]
    assert len(chased) == 1 and len(refused) == 1, outcomes
    assert "less than an hour ago" in str(refused[0])
    assert ReminderLog.objects.filter(kind=ReminderKind.CHASE, auditor=auditor).count() == 1
    assert [m.to for m in mail.outbox] == [[auditor.email]]
