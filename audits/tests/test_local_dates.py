"""Dates and times are the partnership's (Europe/London), never UTC's: at 23:30 UTC on 30 June it is
already 00:30 on 1 July in British Summer Time, so what is shown, counted or sent by the day goes by
1 July."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from agencies.models import Partnership
from agencies.tests.factories import UserFactory
from audits.models import AuditStatus, InsightReport, InsightReportKind, PartAReturn, ReminderLog
from audits.selectors.insights import agency_profile
from audits.services.parta import reminder_send, reminders_due
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db

# 23:30 UTC on 30 June = 00:30 BST on 1 July.
UTC_LATE_30_JUNE = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)


def test_an_insight_report_is_named_by_the_local_time_it_was_asked_for():
    """The name goes into the access log's summary ("Report asked for: …"), next to the record's own
    time, which is local."""
    report = InsightReport(kind=InsightReportKind.BOARD, requested_at=UTC_LATE_30_JUNE)
    assert str(report).endswith("(2026-07-01 00:30)")


def test_the_purge_dry_run_gives_the_local_date_an_audit_was_closed(audit, capsys):
    audit.status = AuditStatus.CLOSED
    audit.closed_at = dt.datetime(2023, 6, 30, 23, 30, tzinfo=dt.UTC)  # 1 July 2023, 00:30 BST
    audit.save()
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    call_command("purge_expired", "--dry-run")
    assert "Would purge: cse-audit (closed 01 Jul 2023)" in capsys.readouterr().out


# Already right, kept so: the boundary that a UTC date would get wrong.


def test_a_return_submitted_after_local_midnight_on_the_due_day_is_late(audit, agency_a):
    """The agency profile's on time / late goes by the local date of submission (PostgreSQL's
    conversion of submitted_at to Europe/London), not the UTC one."""
    audit.status = AuditStatus.PART_B
    audit.part_a_due = dt.date(2026, 6, 30)
    audit.save()
    in_time, late = PartAReturn.objects.filter(audit=audit, agency=agency_a).order_by("case__order")
    complete_return(in_time)
    complete_return(late)
    PartAReturn.objects.filter(pk=in_time.pk).update(submitted_at=dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC))
    PartAReturn.objects.filter(pk=late.pk).update(submitted_at=UTC_LATE_30_JUNE)

    timing = agency_profile(UserFactory(role="qa_manager", agency=None), agency_a).timings[0]
    assert (timing.on_time, timing.late) == (1, 1)


def test_part_a_reminders_go_by_the_local_day(audit, auditor, other_auditor, monkeypatch):
    """At 00:30 BST on 1 July a return due on 30 June is overdue, and the reminder counts for 1 July:
    the one sent at 23:00 BST on 30 June does not stop it."""
    audit.part_a_due = dt.date(2026, 6, 30)
    audit.save()
    ReminderLog.objects.create(auditor=auditor, kind="automatic", sent_on=dt.date(2026, 6, 30))
    monkeypatch.setattr(timezone, "now", lambda: UTC_LATE_30_JUNE)

    assert reminders_due() == sorted([auditor.pk, other_auditor.pk])
    log = reminder_send(auditor_id=auditor.pk)
    assert log is not None and log.sent_on == dt.date(2026, 7, 1)
    assert "overdue (due Tuesday 30 June 2026)" in mail.outbox[-1].body
