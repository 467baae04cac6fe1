"""The QA manager cancels an audit that will not go ahead, in Chromium, on the demo: the confirmation
page asks for a reason (the error next to the field), then the audit's pages say it was cancelled, and its
auditor finds it among the past audits of My returns, as cancelled."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from audits.models import Audit, AuditStatus
from tests.fixtures_browser import axe_check, csp_violations, login

SLUG = "bh-cse-2015"
REASON = "Overtaken by a rapid review of the same cohort"


@pytest.mark.browser
def test_qa_manager_cancels_an_audit_with_a_reason_and_its_auditor_sees_it_cancelled(
    transactional_db, live_server, page: Page, browser_console, settings
):
    settings.DEMO = True
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "qa.manager", "demo")

    page.goto(f"{live_server.url}/audits/{SLUG}/")
    page.get_by_role("link", name="Cancel this audit…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this audit")
    axe_check(page)

    # No reason: refused, the error next to the field, and the field says so.
    page.get_by_role("button", name="Cancel the audit").click()
    field = page.get_by_label("Why is the audit cancelled?")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("reason-error")).to_be_visible()
    axe_check(page)
    assert Audit.objects.get(slug=SLUG).status == AuditStatus.PART_A

    field.fill(REASON)
    page.get_by_role("button", name="Cancel the audit").click()
    expect(page.get_by_test_id("cancelled-notice")).to_contain_text(REASON)
    expect(page.get_by_test_id("audit-status")).to_contain_text("Cancelled")
    expect(page.get_by_role("link", name="Cancel this audit…")).to_have_count(0)
    axe_check(page)
    assert Audit.objects.get(slug=SLUG).status == AuditStatus.CANCELLED
    assert not csp_violations(browser_console), browser_console

    page.get_by_role("button", name="Sign out").click()
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/my-returns/")
    past = page.get_by_test_id("past-audits")
    expect(past).to_contain_text("Cancelled")
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
