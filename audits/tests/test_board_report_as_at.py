"""The board report is as at the day it was asked for: a report asked for in the evening and rendered by
the worker after midnight counts overdue (and red) as on the day it was asked for, and says so."""

import datetime as dt

import pytest
from django.utils import timezone

from audits.models import AuditStatus, InsightReport, InsightReportKind
from audits.reports import render_report_html, report_context
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db


def test_a_board_report_rendered_after_midnight_is_as_at_the_day_it_was_asked_for(qa_manager):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit 2026")
    RecommendationFactory(audit=audit, text="Due the day it was asked for", due_date=yesterday)
    RecommendationFactory(audit=audit, text="Overdue already", due_date=yesterday - dt.timedelta(days=3))
    # Asked for at 23:50 yesterday (local time), rendered now, after midnight.
    asked = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(23, 50)))
    report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=qa_manager, requested_at=asked)

    context = report_context(report)

    assert context["as_at"] == yesterday
    assert [(i.rec.text, i.days_overdue, i.rag) for i in context["overdue"]] == [("Overdue already", 3, "red")]
    assert [(i.rec.text, i.days, i.rag) for i in context["still_open"]] == [
        ("Due the day it was asked for", 0, "amber")
    ]
    html = render_report_html(report)
    assert f"As at {yesterday:%-d %B %Y}" in html
