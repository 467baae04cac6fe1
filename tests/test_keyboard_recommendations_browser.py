"""Editing recommendations one after another with the keyboard only, in Chromium: Save or Cancel (or the
back link) on a recommendation's edit page comes back to its row with the focus on its Edit link, shown
(WCAG 2.4.3, 2.4.7), the save said in the status region by the list, not at the top of a long page."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from audits.models import Audit
from audits.selectors import partb as selectors
from tests.fixtures_browser import axe_check, csp_violations, login, tab_to

DUDLEY = "dudley-cse-2017"  # in Reporting: its recommendations are still edited


@pytest.mark.browser
@override_settings(DEMO=True)
def test_save_cancel_and_back_come_back_to_the_recommendations_edit_link(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    items = list(selectors.audit_recommendations(audit))
    assert len(items) >= 3, items
    second = items[1]
    login(page, live_server, "qa.manager", "demo")
    page.set_viewport_size({"width": 1366, "height": 500})  # the second row is below the fold
    page.goto(f"{live_server.url}/audits/{DUDLEY}/recommendations/")
    row = page.locator(f"#rec-{second.pk}")
    edit = row.get_by_role("link", name=re.compile(r"^Edit\s*recommendation 2$"))

    # Enter on the second recommendation's Edit link; on its page, some words added to its text, then Save.
    edit.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit recommendation")
    tab_to(page, "main form textarea")
    page.keyboard.press("Control+End")
    page.keyboard.type(" Checked again.")
    tab_to(page, "main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/recommendations/#rec-{second.pk}"), page.url
    page.wait_for_load_state("load")
    expect(page.locator("#recommendations-status")).to_have_text("Recommendation saved.")
    expect(page.locator("main > .messages")).to_have_count(0)  # said once, by the list
    expect(edit).to_be_focused()
    assert edit.evaluate("(el) => el.matches(':focus-visible')")
    expect(edit).to_be_in_viewport()
    second.refresh_from_db()
    assert second.text.endswith(" Checked again.")
    axe_check(page)

    # Enter again, then Cancel: back at the row, on its Edit link; its Change status is a Tab away.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "main form a.btn")
    expect(page.locator(":focus")).to_have_text("Cancel")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#rec-{second.pk}"), page.url
    page.wait_for_load_state("load")
    expect(edit).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile(r"^Change status\s*of recommendation 2$"))

    # The "← Recommendations" link at the top of the edit page comes back to the row too.
    edit.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "main a[href*='/recommendations/#rec-']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(edit).to_be_focused()
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
