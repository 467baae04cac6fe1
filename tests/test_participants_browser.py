"""The QA manager names another auditor for an agency during Part A, in Chromium, on the demo."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from audits.models import AuditAgency, PartAReturn
from tests.fixtures_browser import axe_check, csp_violations, login

SLUG = "bh-cse-2015"


@pytest.mark.browser
def test_qa_manager_changes_an_auditor_and_the_new_one_finds_the_returns(
    transactional_db, live_server, page: Page, browser_console, settings
):
    settings.DEMO = True
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "qa.manager", "demo")

    page.goto(f"{live_server.url}/audits/{SLUG}/")
    auditors = page.get_by_test_id("auditors")
    auditors.get_by_role("link", name="Change auditor (The Youth Service)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the auditor for The Youth Service")
    expect(page.get_by_test_id("current-auditor")).to_have_text("Auditor now: Chris Doyle")
    axe_check(page)

    # Nothing chosen: the error is next to the field, and the field says so.
    page.get_by_role("button", name="Change the auditor").click()
    field = page.get_by_label("New auditor")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Choose the new auditor.")).to_be_visible()
    axe_check(page)

    field.select_option(label="Alex Morgan (manager), Youth Service Manager")
    page.get_by_role("button", name="Change the auditor").click()
    expect(page.get_by_text("Alex Morgan is now the auditor for The Youth Service")).to_be_visible()
    expect(auditors.get_by_role("row", name="The Youth Service")).to_contain_text("Alex Morgan")
    assert AuditAgency.objects.get(audit__slug=SLUG, agency__name="The Youth Service").auditor.username == "manager"
    assert not csp_violations(browser_console), browser_console

    # The new auditor, a manager who starts on Briefings, now starts on their agency's returns.
    page.get_by_role("button", name="Sign out").click()
    login(page, live_server, "manager", "demo")
    expect(page.get_by_role("heading", name="My returns", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="My returns")).to_be_visible()
    returns = PartAReturn.objects.filter(audit__slug=SLUG, agency__name="The Youth Service").count()
    expect(page.locator("a[href^='/audits/returns/']")).to_have_count(returns)
    assert not csp_violations(browser_console), browser_console
