"""A chase clicked twice at once (a double click, or two managers at the same moment) e-mails the
auditor once: the second request waits for the first and is told the auditor was just chased."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction

from audits.models import ReminderKind, ReminderLog
from audits.services.parta import PartAError, auditor_chase


def waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction, the view is read once
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_chases_at_once_send_one_email(qa_manager, lead_officer, audit, auditor, agency_a):
    assert connection.vendor == "postgresql"  # about its row locks
    outcomes: dict[str, object] = {}

    def chase(user) -> None:
        try:
            outcomes[user.username] = auditor_chase(user=user, audit=audit, agency_id=agency_a.pk)
        except PartAError as refused:
            outcomes[user.username] = refused
        finally:
            connection.close()

    threads = [threading.Thread(target=chase, args=(user,)) for user in (qa_manager, lead_officer)]
    # Hold both requests inside their transactions until both have got as far as they can: writing
    # the access log (the first) and, the second, that too (no lock) or waiting for the first.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE agencies_accessrecord IN EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while waiting_for_locks() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_for_locks() == 2
    for thread in threads:
        thread.join(30)

    chased = [o for o in outcomes.values() if isinstance(o, ReminderLog)]
    refused = [o for o in outcomes.values() if isinstance(o, PartAError)]
    assert len(chased) == 1 and len(refused) == 1, outcomes
    assert "less than an hour ago" in str(refused[0])
    assert ReminderLog.objects.filter(kind=ReminderKind.CHASE, auditor=auditor).count() == 1
    assert [m.to for m in mail.outbox] == [[auditor.email]]
