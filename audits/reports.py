"""PDF reports of the insights pages, rendered with the briefings' hardened WeasyPrint setup.

The same SafeURLFetcher (the app's static files and data: URIs only, nothing else fetched) and the
same tagged PDF/UA variant as briefings.rendering. The report is built with the permissions of the
person who asked for it, at the time it is rendered.
"""

from __future__ import annotations

import time

from django.template.loader import render_to_string
from django.utils import timezone

from agencies.models import Partnership
from audits.charts import stage_distribution_svg, trends_svg
from audits.models import InsightReport, InsightReportKind
from audits.selectors import insights as selectors
from briefings.rendering import RenderResult, render_html_pdf


class ReportNotAllowed(PermissionError):
    """The person who asked for the report may no longer see what it holds."""


def report_context(report: InsightReport) -> dict:
    user = report.requested_by
    # Checked again when it is made: the owner may have lost what it shows since asking (the pages check too).
    if not selectors.may_see_report(user, report):
        raise ReportNotAllowed("The report's owner may no longer see what it holds.")
    # Kept with the report once it is done (services.insights.insight_report_render): it opens only while
    # its owner can still see each of these audits.
    report.audit_ids = sorted(selectors.report_audits(user, report).values_list("pk", flat=True))
    report.findings_audit_ids = sorted(selectors.report_findings_audits(user, report).values_list("pk", flat=True))
    context = {
        "report": report,
        "partnership": Partnership.load(),
        "generated_at": timezone.localtime(),
        "requested_by": user.get_full_name() or user.get_username(),
        "theme": report.theme,
    }
    if report.kind == InsightReportKind.BOARD:
        # Overdue as on the day it was asked for, not the day the worker renders it (they differ across midnight).
        as_at = timezone.localdate(report.requested_at)
        overdue, still_open, complete = selectors.board_report_items(user, theme=report.theme, today=as_at)
        trends = selectors.theme_trends(user=user, theme=report.theme)
        context.update(
            {
                "as_at": as_at,
                "overdue": overdue,
                "still_open": still_open,
                "complete": complete,
                "trends": trends,
                "trends_svg": trends_svg(trends, uid="pdf-trends"),
            }
        )
        return context
    profile = selectors.agency_profile(user, report.agency)
    context.update({"profile": profile, "stages_svg": stage_distribution_svg(profile, uid="pdf-stages")})
    return context


def render_report_html(report: InsightReport) -> str:
    return render_to_string(f"audits/insights/pdf/{report.kind}.html", report_context(report))


def render_report(report: InsightReport) -> RenderResult:
    started = time.perf_counter()
    return render_html_pdf(render_report_html(report), started=started)
