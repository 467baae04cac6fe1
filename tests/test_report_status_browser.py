"""In Chromium: an insights report's status line is polled while its PDF is made; the live region around it
stays in the page, so what it comes to ("Done", "Failed") is said (WCAG 4.1.3)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.models import InsightReport, InsightReportKind, InsightReportStatus
from tests.fixtures_browser import axe_check, csp_violations, login


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_report_status_is_said_in_a_live_region_that_stays(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    qa = User.objects.get(username="qa.manager")
    report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=qa)
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/insights/reports/{report.pk}/")
    line = page.get_by_test_id("report-status")
    expect(line).to_have_attribute("data-status", "queued")
    # The live region is the status line or an element around it: mark it, to tell whether a swap replaced it.
    line.evaluate("el => { el.closest('[role=status]').dataset.kept = 'yes'; }")

    InsightReport.objects.filter(pk=report.pk).update(status=InsightReportStatus.FAILED, error="The worker stopped.")
    expect(line).to_have_attribute("data-status", "failed", timeout=10_000)
    region = page.locator("[role=status]").filter(has_text="The worker stopped.")
    expect(region).to_have_count(1)
    expect(region).to_have_attribute("data-kept", "yes")
    assert line.evaluate("el => el.closest('[role=status]').dataset.kept") == "yes"
    axe_check(page)

    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))
