"""Two runs of the recommendation owners' digests at once (beat fired twice around a restart) queue one
digest per address: the second waits for the first one's lock on the address, then sees the reminders
it recorded."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.db import connection, connections, transaction

from agencies.models import OutboxMessage
from audits.models import AuditStatus, RecommendationReminder
from audits.services.insights import recommendation_digests_queue
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

TODAY = dt.date(2026, 6, 15)


def waiting_for(event: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = %s",
            [event],
        )
        return cursor.fetchone()[0]


def wait_until(condition) -> bool:
    deadline = time.monotonic() + 30
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_queue_one_digest_per_address():
    assert connection.vendor == "postgresql"  # about its advisory locks and snapshots
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    recs = [
        RecommendationFactory(audit=audit, due_date=TODAY + dt.timedelta(days=n), owner_email="owner@example.org")
        for n in (3, 4)
    ]
    results = {}
    hold, release = threading.Event(), threading.Event()

    def holder() -> None:
        # Another session holds the outbox table: the first run stops at its queueing, after it has
        # taken the address's lock and recorded its reminders, until the second run is waiting too.
        try:
            with transaction.atomic(), connections["default"].cursor() as cursor:
                cursor.execute(f"LOCK TABLE {OutboxMessage._meta.db_table} IN EXCLUSIVE MODE")
                hold.set()
                assert release.wait(30)
        finally:
            connections["default"].close()

    def run(name: str) -> None:
        try:
            results[name] = recommendation_digests_queue(today=TODAY)
        finally:
            connections["default"].close()

    lock = threading.Thread(target=holder)
    lock.start()
    assert hold.wait(30)
    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert wait_until(lambda: waiting_for("relation") >= 1)  # the first run, at the outbox
    second = threading.Thread(target=run, args=("second",))
    second.start()
    # The second run waits at the address's lock (without it, it would be at the outbox with the first).
    assert wait_until(lambda: waiting_for("advisory") + waiting_for("relation") >= 2)
    release.set()
    for thread in (lock, first, second):
        thread.join(30)

    assert sorted(results.values()) == [[], ["owner@example.org"]]
    assert RecommendationReminder.objects.filter(recommendation__in=recs).count() == 2
    assert OutboxMessage.objects.filter(task="audits.tasks.send_recommendation_digest").count() == 1
    assert [m.to for m in mail.outbox] == [["owner@example.org"]]
