"""The access log is read in the partnership's time (Europe/London): 23:30 UTC on 30 June is 00:30
on 1 July in British Summer Time."""

import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import AccessRecord
from agencies.selectors import access_records_matching

UTC_LATE_30_JUNE = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)


def test_an_access_record_is_named_by_its_local_time():
    """The name heads the record's page in Administration, above its local "at"."""
    record = AccessRecord(at=UTC_LATE_30_JUNE, username="qa.manager", action="view", object_type="audits.audit")
    assert str(record).startswith("2026-07-01 00:30 qa.manager")


@pytest.mark.django_db
def test_the_access_log_filters_by_local_date(monkeypatch):
    """Already right, kept so: "From 1 July" includes what happened at 00:30 BST on 1 July."""
    monkeypatch.setattr(timezone, "now", lambda: UTC_LATE_30_JUNE)  # the record is append-only: made at that time
    record = AccessRecord.objects.create(username="qa.manager", action="view", object_type="audits.audit")
    monkeypatch.undo()
    assert list(access_records_matching(since=dt.date(2026, 7, 1))) == [record]
    assert not access_records_matching(until=dt.date(2026, 6, 30)).exists()
