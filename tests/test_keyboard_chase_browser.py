"""Chasing auditors with the keyboard only, in Chromium: Chase on the progress dashboard (or the returns
list) comes back to the agency chased with the focus on its Chase button, shown, not on the top of the
page (WCAG 2.4.3, 2.4.7), and what happened (the reminder sent, or not sent and why) is said by the row,
in a status region, for a screen reader to announce (WCAG 4.1.3). A chase refused because the row no
longer has its button (Part A closed meanwhile) puts the focus on what the page says about it."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from audits.models import Audit, AuditStatus
from tests.fixtures_browser import axe_check, csp_violations, login, tab_to

BH = "bh-cse-2015"  # Part A open, with returns outstanding


def agency_chased(button) -> str:
    """The id of the agency whose auditor a Chase button chases (its form posts to …/chase/<id>/)."""
    return button.evaluate("(el) => el.form.getAttribute('action').split('/').filter(Boolean).pop()")


def is_shown(page: Page, locator) -> None:
    expect(locator).to_be_focused()
    assert locator.evaluate("(el) => el.matches(':focus-visible')")
    expect(locator).to_be_in_viewport()


@pytest.mark.browser
@override_settings(DEMO=True)
def test_chase_on_the_dashboard_comes_back_to_the_agency_chased(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "qa.manager", "demo")
    page.set_viewport_size({"width": 1366, "height": 600})  # the auditors' table is below the fold
    page.goto(f"{live_server.url}/audits/{BH}/")
    chase = page.get_by_test_id("auditors").get_by_role("button", name=re.compile("^Chase ")).first
    agency_id = agency_chased(chase)
    row_id = f"chase-{agency_id}"
    name = chase.inner_text()

    tab_to(page, f"[data-testid=auditors] form[action$='/chase/{agency_id}/'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/audits/{BH}/#{row_id}"), page.url
    page.wait_for_load_state("load")
    status = page.locator("#auditors-status")
    expect(status).to_have_text(re.compile(r"^Reminder on its way to .+ by e-mail\.$"))
    expect(page.locator("main > .messages")).to_have_count(0)  # said once, by the table
    chase = page.locator(f"#{row_id} button[data-come-back=chase]")
    expect(chase).to_have_text(name)
    is_shown(page, chase)
    expect(page.locator(f"#{row_id}")).to_contain_text("Last chased")
    axe_check(page)

    # Enter again: within the hour nothing is sent, and that is said by the row too, the focus kept on Chase.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator("#auditors-status")).to_contain_text("no second reminder was sent")
    is_shown(page, page.locator(f"#{row_id} button[data-come-back=chase]"))
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_chase_on_the_returns_list_comes_back_to_the_agency_or_says_why_not(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{BH}/returns/")
    buttons = page.get_by_role("button", name=re.compile(r"^Chase .* auditor$"))
    assert buttons.count() >= 2
    agency_id = agency_chased(buttons.last)
    section_id = f"chase-{agency_id}"

    # The last agency's Chase, far down the list: back there, on its button, the reminder said by it.
    tab_to(page, f"form[action$='/chase/{agency_id}/'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/audits/{BH}/returns/#{section_id}"), page.url
    page.wait_for_load_state("load")
    expect(page.locator(f"#chase-status-{agency_id}")).to_have_text(re.compile(r"^Reminder on its way to .+"))
    is_shown(page, page.locator(f"#{section_id} button[data-come-back=chase]"))
    axe_check(page)

    # Part A closes in another tab meanwhile: the chase is refused, and with no Chase button left on the
    # row the focus is on the refusal, said by the agency.
    Audit.objects.filter(slug=BH).update(status=AuditStatus.PART_B)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator("button[data-come-back=chase]")).to_have_count(0)
    region = page.locator(f"#chase-status-{agency_id}")
    expect(region).to_contain_text("Part A of this audit is closed")
    expect(region).to_be_focused()
    expect(region).to_be_in_viewport()
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
