"""Editing findings one after another with the keyboard only, in Chromium: Save or Cancel on a finding's
edit page comes back to the finding with the focus on its Edit link, shown (WCAG 2.4.3, 2.4.7), not on the
top of a long page, so that the next finding is a Tab away."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from audits.models import Audit, Finding, FindingKind
from tests.fixtures_browser import axe_check, csp_violations, login, tab_to

DUDLEY = "dudley-cse-2017"  # in Reporting: its findings are still edited


@pytest.mark.browser
@override_settings(DEMO=True)
def test_save_and_cancel_come_back_to_the_findings_edit_link(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    kind = FindingKind.THEME
    second = list(Finding.objects.filter(audit=audit, kind=kind).order_by("order", "pk"))[1]
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{DUDLEY}/findings/")
    item = page.locator(f"#finding-{second.pk}")
    edit = item.get_by_role("link", name=re.compile(r"Edit\s*item 2"))

    # Enter on the second finding's Edit link; on its page, some words added at the end of its text, then Save.
    edit.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Edit: "))
    tab_to(page, "main form textarea")
    page.keyboard.press("Control+End")
    page.keyboard.type(" Checked again.")
    tab_to(page, "main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#finding-{second.pk}")
    page.wait_for_load_state("load")
    expect(page.locator(f"#status-{kind}")).to_have_text("Finding saved.")
    expect(edit).to_be_focused()
    assert edit.evaluate("(el) => el.matches(':focus-visible')")
    second.refresh_from_db()
    assert second.body.endswith(" Checked again.")

    # Enter again, then Cancel: back at the finding, on its Edit link; the next finding is a Tab away.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "main form a.btn")
    expect(page.locator(":focus")).to_have_text("Cancel")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#finding-{second.pk}")
    page.wait_for_load_state("load")
    expect(edit).to_be_focused()
    page.keyboard.press("Tab")
    expect(item.get_by_role("button", name=re.compile(r"Delete\s*item 2"))).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_accessible_name(re.compile("Move item 3 up"))
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
