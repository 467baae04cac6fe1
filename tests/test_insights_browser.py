"""In Chromium, on the demo: the theme trends page, an agency profile and the recommendation tracker
render, with no serious or critical axe-core violation and no CSP violation; agency staff reach their
own agency's profile from the navigation and nobody else's."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import Agency, User
from audits.models import InsightReport, InsightReportStatus
from tests.fixtures_browser import ARTIFACTS, axe_check, csp_violations, login


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret would inject a <style>, which the CSP (rightly) blocks.
    page.screenshot(path=str(ARTIFACTS / f"insights-{name}.png"), caret="initial", full_page=True)


@pytest.mark.browser
@override_settings(DEMO=True)
def test_qa_manager_reads_trends_an_agency_profile_and_the_tracker(
    transactional_db, live_server, page: Page, browser_console, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "qa.manager", "demo")

    # Theme trends: Dudley's 2017 emerging themes, as a chart with its text alternative and a table.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Theme trends across audits")
    expect(page.get_by_role("img", name="Theme trends by year")).to_be_visible()
    table = page.get_by_test_id("trends-table")
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.locator('tr[data-theme="offending"] td[data-year="2017"]')).to_contain_text("Area for improvement")
    axe_check(page)
    shot(page, "trends")

    # An agency profile: returns on time / late / missing, grades by stage, with chart and table.
    page.get_by_role("link", name="Agency profiles").click()
    police = Agency.objects.filter(
        name__icontains="police", audit_participations__audit__slug="dudley-cse-2017"
    ).first()
    page.get_by_test_id("agency-list").get_by_role("link", name=police.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(police.name)
    expect(page.get_by_test_id("timing-table")).to_contain_text("case file audit 2017")
    expect(page.get_by_role("img", name=f"Grades by journey stage and year: {police.name}")).to_be_visible()
    expect(page.get_by_test_id("stage-table").locator("tbody tr").first).to_be_visible()
    axe_check(page)
    shot(page, "agency")

    # The tracker, and its board report made by the task (eager here) and offered for download.
    page.get_by_role("link", name="Recommendation tracker").click()
    expect(page.get_by_test_id("tracker").locator("tbody tr").first).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Make the board report (PDF)").click()
    expect(page.get_by_test_id("report-status")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    assert InsightReport.objects.get().status == InsightReportStatus.DONE
    axe_check(page)

    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_agency_staff_see_their_own_agency_only(transactional_db, live_server, page: Page, browser_console):
    call_command("load_demo", stdout=StringIO())
    auditor = User.objects.get(username="auditor.police")
    login(page, live_server, "auditor.police", "demo")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agency profile").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(auditor.agency.name)
    axe_check(page)
    other = Agency.objects.exclude(pk=auditor.agency_id).filter(audit_participations__isnull=False).first()
    response = page.goto(f"{live_server.url}/audits/insights/agencies/{other.pk}/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/audits/insights/trends/")
    assert response.status == 404
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_recommendation_lists_page_through_keeping_their_filters(
    transactional_db, live_server, page: Page, browser_console
):
    """With more recommendations than a page holds, both lists offer the next page, say which page of
    how many this is, and keep the status chosen; still to act on is the default."""
    from audits.models import Audit, Recommendation, RecommendationStatus
    from audits.selectors.insights import RECOMMENDATIONS_PER_PAGE
    from audits.tests.factories import RecommendationFactory

    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.order_by("pk").first()
    for n in range(RECOMMENDATIONS_PER_PAGE + 1):
        RecommendationFactory(audit=audit, text=f"Extra recommendation {n}", status=RecommendationStatus.OPEN)
    login(page, live_server, "qa.manager", "demo")

    for path, table in (("/audits/insights/recommendation-tracker/", "tracker"), ("/audits/recommendations/", None)):
        page.goto(f"{live_server.url}{path}")
        status = page.get_by_label("Status", exact=True)
        expect(status).to_have_value("")
        expect(status.locator("option:checked")).to_have_text("Still to act on (open or in progress)")
        status.select_option("all")
        page.get_by_role("button", name="Show").click()
        pages = page.get_by_role("navigation", name="Pages of recommendations")
        every = Recommendation.objects.count()
        last = (every + RECOMMENDATIONS_PER_PAGE - 1) // RECOMMENDATIONS_PER_PAGE
        expect(pages).to_contain_text(f"Page 1 of {last}")
        axe_check(page)
        pages.get_by_role("link", name="Next").click()
        expect(page.get_by_role("navigation", name="Pages of recommendations")).to_contain_text(f"Page 2 of {last}")
        expect(page.get_by_label("Status", exact=True)).to_have_value("all")
        assert "status=all" in page.url
        axe_check(page)
        if table:
            expect(page.get_by_test_id(table).locator("tbody tr").first).to_be_visible()
    assert not csp_violations(browser_console), browser_console
