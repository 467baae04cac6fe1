"""Part A in Chromium: the status in the return's heading follows the autosave. A first-time auditor's first
answer made the return a draft (as My returns then says), but the heading kept saying "Not started" next to
"Saved 10:41" until the page was opened again."""

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures_browser import axe_check, csp_violations
from tests.test_parta_browser import demo, open_return, wait_until_saved  # noqa: F401 - demo is a fixture
from tests.test_parta_status_browser import evidence


@pytest.mark.browser
def test_the_headings_status_becomes_draft_with_the_first_save(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    open_return(page, live_server, demo)
    badge = page.get_by_role("heading", level=1).locator(".parta-status")
    expect(badge).to_have_text("Not started")

    evidence(page, 0).fill("Referral recorded the same day.")
    page.keyboard.press("Tab")
    wait_until_saved(page)
    expect(badge).to_have_text("Draft")
    expect(badge).to_have_class("badge parta-status parta-status-draft")
    page.evaluate("window.scrollTo(0, 0)")
    axe_check(page, context="h1")

    page.reload()
    expect(badge).to_have_text("Draft")  # what the server says too
    assert not csp_violations(browser_console), browser_console
