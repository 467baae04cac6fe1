"""Two runs of a recommendation owner's reminder at once (beat fired twice around a restart; a task
redelivered while its first run is still sending) e-mail the owner once: the second waits for the
first one's row lock, then sees the reminder it recorded."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from audits.models import AuditStatus, RecommendationReminder
from audits.services.insights import recommendation_reminder_send
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

TODAY = dt.date(2026, 6, 15)
first_send_started = threading.Event()
first_send_may_finish = threading.Event()


class FirstSendWaits(EmailBackend):
    """The locmem backend, whose first send waits (as a slow mail server does) until the test lets it go."""

    sends = 0

    def send_messages(self, messages):
        FirstSendWaits.sends += 1
        if FirstSendWaits.sends == 1:
            first_send_started.set()
            assert first_send_may_finish.wait(30)
        return super().send_messages(messages)


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_remind_the_owner_once(settings):
    assert connection.vendor == "postgresql"  # about its row locks and snapshots
    settings.EMAIL_BACKEND = f"{__name__}.FirstSendWaits"
    FirstSendWaits.sends = 0
    first_send_started.clear()
    first_send_may_finish.clear()
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    rec = RecommendationFactory(audit=audit, due_date=TODAY + dt.timedelta(days=3), owner_email="owner@example.org")
    results = {}

    def run(name: str) -> None:
        try:
            results[name] = recommendation_reminder_send(recommendation_id=rec.pk, today=TODAY)
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert first_send_started.wait(30)  # the first run holds the row and has recorded its reminder
    second = threading.Thread(target=run, args=("second",))
    second.start()
    deadline = time.monotonic() + 30
    while not waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    first_send_may_finish.set()
    first.join(30)
    second.join(30)

    assert results["first"] is not None and results["second"] is None
    assert RecommendationReminder.objects.filter(recommendation=rec).count() == 1
    assert [m.to for m in mail.outbox] == [["owner@example.org"]]
