"""The retention period is counted on the local calendar, and an audit is purged on the date the
cancellation e-mail gives (retention_date), not days after it: closed on 31 January with a one-month
period, it is kept until 28 February, not until 3 March (3 March less a month being 3 February); closed
at 00:30 BST on 30 June with six months, it is kept until 00:30 GMT on 30 December, not 29 December."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from agencies.models import Partnership
from audits.models import AuditStatus
from audits.services.retention import audits_expired, retention_date

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _closed(audit, at: dt.datetime, months: int):
    assert connection.vendor == "postgresql"
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": months})
    audit.status = AuditStatus.CLOSED
    audit.closed_at = at
    audit.save()
    audit.refresh_from_db()
    return audit


def test_closed_on_31_january_is_purged_on_28_february_the_date_it_was_kept_until(audit):
    audit = _closed(audit, dt.datetime(2026, 1, 31, 10, 0, tzinfo=LONDON), months=1)
    kept_until = retention_date(audit)
    assert timezone.localtime(kept_until).date() == dt.date(2026, 2, 28)
    assert audit not in audits_expired(now=dt.datetime(2026, 2, 28, 9, 59, tzinfo=LONDON))
    assert audit in audits_expired(now=dt.datetime(2026, 2, 28, 10, 0, tzinfo=LONDON))
    assert audit in audits_expired(now=dt.datetime(2026, 3, 2, 12, 0, tzinfo=LONDON))


def test_closed_just_after_local_midnight_in_summer_is_kept_until_that_local_date(audit):
    # 00:30 BST on 30 June is 23:30 UTC on 29 June.
    audit = _closed(audit, dt.datetime(2026, 6, 30, 0, 30, tzinfo=LONDON), months=6)
    kept_until = timezone.localtime(retention_date(audit))
    assert (kept_until.date(), kept_until.time()) == (dt.date(2026, 12, 30), dt.time(0, 30))
    assert audit not in audits_expired(now=dt.datetime(2026, 12, 29, 23, 45, tzinfo=LONDON))
    assert audit in audits_expired(now=dt.datetime(2026, 12, 30, 0, 30, tzinfo=LONDON))


def test_cancelled_on_a_month_end_likewise(audit):
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 1})
    audit.status = AuditStatus.CANCELLED
    audit.cancelled_at = dt.datetime(2026, 3, 31, 9, 0, tzinfo=LONDON)
    audit.save()
    assert timezone.localtime(retention_date(audit)).date() == dt.date(2026, 4, 30)
    assert audit not in audits_expired(now=dt.datetime(2026, 4, 29, 12, 0, tzinfo=LONDON))
    assert audit in audits_expired(now=dt.datetime(2026, 4, 30, 9, 0, tzinfo=LONDON))
