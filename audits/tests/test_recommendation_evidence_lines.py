"""Evidence of impact recorded over time, a line for each step ("April: …" then "June: …"), and a recommendation
written in lines, keep their lines on the audit's recommendations page, the tracker and the board report, as
on the owner's My recommendations, instead of being run together into one line."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditStatus, InsightReport, InsightReportKind, RecommendationStatus
from audits.reports import render_report_html
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db

EVIDENCE = "April: 40 of 52 social workers trained.\nJune: re-audit of 10 cases shows the tool used in 9."
TEXT = "Train the social workers in the CSE screening tool.\nRe-audit its use after six months."


@pytest.fixture
def recommendation(db):
    audit = audit_in(2026, status=AuditStatus.CLOSED, title="CSE audit 2026")
    return RecommendationFactory(
        audit=audit,
        text=TEXT,
        status=RecommendationStatus.IN_PROGRESS,
        impact_evidence=EVIDENCE,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
    )


def test_the_recommendations_page_and_the_tracker_keep_the_evidences_lines(client, qa_manager, recommendation):
    client.force_login(qa_manager)
    for url in (
        reverse("audits:recommendations", args=[recommendation.audit.slug]),
        reverse("audits:insights_tracker"),
    ):
        page = client.get(url).content.decode()
        assert "April: 40 of 52 social workers trained.<br>June: re-audit of 10 cases" in page, url


def test_the_board_report_keeps_the_lines_of_the_recommendation_and_its_evidence(qa_manager, recommendation):
    report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=qa_manager)
    html = render_report_html(report)
    assert "Train the social workers in the CSE screening tool.<br>Re-audit its use" in html
    assert "April: 40 of 52 social workers trained.<br>June: re-audit of 10 cases" in html
