"""In Chromium: the demo QA manager plans a new audit under Planning (Django's admin), then opens
Part A from the audit's page; axe-core checks the planning pages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.models import Audit, AuditStatus, AuditTheme, PartAReturn, ToolVersion
from tests.fixtures_browser import axe_check, csp_violations, login


def axe_check_admin(page: Page, console: list) -> None:
    """axe_check on a page of Django's admin. axe-core's own probes of the admin's styles set inline
    styles, which the CSP reports; those reports are axe's, not the page's, and are dropped."""
    before = len(console)
    axe_check(page)
    del console[before:]


@pytest.mark.browser
@override_settings(DEMO=True)
def test_qa_manager_plans_an_audit_and_opens_part_a(transactional_db, live_server, page: Page, browser_console):
    call_command("load_demo", stdout=StringIO())
    version = ToolVersion.objects.order_by("-number").first()
    police = User.objects.get(username="auditor.police")
    login(page, live_server, "qa.manager", "demo")

    page.goto(f"{live_server.url}/audits/")
    page.get_by_role("link", name="Plan a new audit").click()
    expect(page.get_by_role("heading", name="Add audit")).to_be_visible()
    page.get_by_label("Title:").fill("Missing children audit 2027")
    page.get_by_label("Slug:").focus()  # the admin's own script fills it in from the title
    expect(page.get_by_label("Slug:")).to_have_value("missing-children-audit-2027")
    page.get_by_label("Theme:").select_option(str(AuditTheme.objects.get(slug="missing-children").pk))
    page.get_by_label("Scope question:").fill("Are children who go missing found and helped quickly?")
    page.get_by_label("Tool version:").select_option(str(version.pk))
    page.locator("#participants-group .add-row a").click()
    page.locator("#id_participants-0-agency").select_option(str(police.agency_id))
    page.locator("#id_participants-0-auditor").select_option(str(police.pk))
    page.locator("#cases-group .add-row a").click()
    page.locator("#id_cases-0-reference").fill("Case 1")
    page.locator("#id_cases-0-age_band").select_option(index=1)
    page.locator("#id_cases-0-gender").select_option(index=1)
    axe_check_admin(page, browser_console)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()

    audit = Audit.objects.get(slug="missing-children-audit-2027")
    assert audit.status == AuditStatus.PLANNING and audit.cases.count() == 1 and audit.participants.count() == 1
    axe_check_admin(page, browser_console)  # the new audit's plan, with the message

    page.goto(f"{live_server.url}/audits/{audit.slug}/")
    expect(page.get_by_test_id("plan-link")).to_be_visible()
    page.get_by_role("button", name="Move to Part A open").click()
    expect(page.get_by_test_id("audit-status")).to_contain_text("Part A open")
    assert PartAReturn.objects.filter(audit=audit, agency=police.agency, tool_version=version).count() == 1

    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))


@pytest.mark.browser
@override_settings(DEMO=True)
@pytest.mark.parametrize("slug", ["bh-cse-2015", "dudley-cse-2017"])  # Part A open; Reporting
def test_an_audit_past_planning_saves_its_dates_and_what_next(
    transactional_db, live_server, page: Page, browser_console, slug
):
    """Past Planning the agencies and cases are read-only rows the browser does not post; the audit's own
    details (a Part A deadline moved, the Part B date, what next) still save."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=slug)
    participants = list(audit.participants.values_list("agency_id", "auditor_id"))
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/admin/audits/audit/{audit.pk}/change/")
    page.get_by_label("What next:").fill("Presented to the Monitoring & Evaluation Sub Committee.")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    audit.refresh_from_db()
    assert audit.what_next == "Presented to the Monitoring & Evaluation Sub Committee."
    assert list(audit.participants.values_list("agency_id", "auditor_id")) == participants
    assert not csp_violations(browser_console), browser_console
