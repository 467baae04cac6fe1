"""The retention purge runs every night at a fixed local hour (settings.PURGE_HOUR, 02:00), by a crontab,
not every 24 hours from whenever beat started: so the partnership's settings page can say when its next run
is, and what lowering the period brings into that run is counted to that time."""

import datetime as dt

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from audits.models import AuditStatus
from audits.services.retention import audits_brought_into_purge, next_purge_run
from audits.tests.factories import AuditFactory


def _local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_the_purge_is_a_crontab_at_the_purge_hour():
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-expired"]["schedule"]
    assert isinstance(schedule, crontab)
    assert settings.PURGE_HOUR == 2
    assert schedule.hour == {2} and schedule.minute == {0}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_local(2026, 11, 24, 1, 59), _local(2026, 11, 24, 2, 0)),  # before tonight's: tonight's
        (_local(2026, 11, 24, 2, 0), _local(2026, 11, 25, 2, 0)),  # just run: tomorrow night's
        (_local(2026, 11, 24, 15, 30), _local(2026, 11, 25, 2, 0)),
        (_local(2026, 12, 31, 23, 0), _local(2027, 1, 1, 2, 0)),
        # The clocks go forward at 01:00 GMT on 29 March 2026: 02:00 BST is then an hour later, still 02:00.
        (dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)),
        # They go back at 02:00 BST on 25 October 2026: 01:30 BST is an hour and a half before 02:00 GMT.
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 2, 0, tzinfo=dt.UTC)),
    ],
)
def test_the_next_run_is_the_next_purge_hour_in_local_time(now, expected):
    next_run = next_purge_run(now)
    assert next_run == expected
    assert (next_run.hour, next_run.minute) == (2, 0)
    assert next_run.tzinfo is not None and next_run.utcoffset() == timezone.localtime(expected).utcoffset()


@pytest.mark.django_db
def test_lowering_the_period_brings_in_what_the_purge_would_take_within_a_month_each_with_its_night():
    # Saved at 03:00: the next run is at 02:00 tomorrow, 23 hours on. An audit whose shorter period ends at
    # 01:30 tomorrow goes at that run; one ending at 02:30 tomorrow at the run the night after; both are asked
    # about. One ending more than a month after the next run is not asked about yet.
    now = _local(2026, 11, 24, 3, 0)
    tonight = AuditFactory(
        status=AuditStatus.CLOSED, title="Ends at 01:30", closed_at=_local(2026, 9, 25, 1, 30), purged_at=None
    )
    after = AuditFactory(
        status=AuditStatus.CLOSED, title="Ends at 02:30", closed_at=_local(2026, 9, 25, 2, 30), purged_at=None
    )
    AuditFactory(status=AuditStatus.CLOSED, title="Ends in January", closed_at=_local(2026, 11, 1), purged_at=None)
    brought = audits_brought_into_purge(months=2, current=24, now=now)
    assert brought == [tonight, after]
    assert [audit.purge_run for audit in brought] == [_local(2026, 11, 25, 2, 0), _local(2026, 11, 26, 2, 0)]
