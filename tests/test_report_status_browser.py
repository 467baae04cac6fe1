"""In Chromium: an insights report's status line is polled while its PDF is made; the live region around it
stays in the page, so what it comes to ("Done", "Failed") is said (WCAG 4.1.3)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
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


def _focused_text(page: Page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.textContent.trim() : ''")


@pytest.mark.browser
@override_settings(DEMO=True)
def test_retry_now_on_a_report_stuck_queued_keeps_the_focus_while_the_status_is_polled(
    transactional_db, live_server, page: Page, browser_console
):
    """A report whose message was lost stays queued: after two minutes its status line offers "Retry now",
    as a briefing version's does. The line is polled every 2 s and answered "no change", so the focused button
    stays; when the line changes, the focus goes to its new control and the live region says what it is."""
    call_command("load_demo", stdout=StringIO())
    qa = User.objects.get(username="qa.manager")
    long_ago = timezone.now() - dt.timedelta(minutes=3)
    report = InsightReport.objects.create(
        kind=InsightReportKind.BOARD, requested_by=qa, requested_at=long_ago, queued_at=long_ago
    )
    polls: list[int] = []
    page.on("response", lambda r: polls.append(r.status) if f"/reports/{report.pk}/status/" in r.url else None)
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/insights/reports/{report.pk}/")
    line = page.get_by_test_id("report-status")
    expect(line).to_have_attribute("data-status", "queued")
    line.evaluate("el => { el.closest('[role=status]').dataset.kept = 'yes'; }")
    axe_check(page)

    retry = page.get_by_role("button", name="Retry now the report")
    retry.focus()
    page.wait_for_timeout(4500)
    expect(retry).to_be_focused()
    assert _focused_text(page).startswith("Retry now")
    assert len(polls) >= 2 and set(polls) == {204}, polls

    # It fails for good meanwhile: the line changes, the focus goes to its Retry button, the region says so.
    InsightReport.objects.filter(pk=report.pk).update(status=InsightReportStatus.FAILED, error="The worker stopped.")
    expect(line).to_have_attribute("data-status", "failed", timeout=10_000)
    retry = page.get_by_role("button", name="Retry the report", exact=True)
    expect(retry).to_be_focused()
    region = page.locator("[role=status]").filter(has_text="The worker stopped.")
    expect(region).to_have_attribute("data-kept", "yes")

    # Retry: queued again, and made (tasks run in-process here).
    retry.press("Enter")
    expect(page.get_by_test_id("report-status")).to_have_attribute("data-status", "done", timeout=30_000)
    axe_check(page)

    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))
