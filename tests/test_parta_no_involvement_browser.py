"""'No involvement' ticked hides the standards, but answers already given to them still count: when one holds
a possible identifier (which the page asks to remove, or to confirm before submitting), the page says it is
among the hidden answers, and how to see it."""

import pytest
from playwright.sync_api import Page, expect

from audits.models import PartAReturn
from tests.demo_support import demo_police_return
from tests.fixtures_browser import axe_check, csp_violations, login

NO_INVOLVEMENT = "My agency had no involvement with this case"


@pytest.mark.browser
def test_possible_identifiers_in_hidden_answers_are_pointed_to(
    transactional_db, settings, live_server, page: Page, browser_console
):
    ret = demo_police_return(settings)
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/returns/{ret.pk}/")
    note = page.get_by_test_id("hidden-flags")
    status = page.get_by_test_id("autosave-status")

    page.locator("fieldset.standard").nth(0).get_by_label("Evidence", exact=True).fill("Mobile 07700 900123")
    page.keyboard.press("Tab")
    expect(status).to_contain_text("flagged", timeout=15000)
    expect(note).to_be_hidden()  # the answer is in sight, marked

    page.get_by_label(NO_INVOLVEMENT).check()
    expect(page.locator("fieldset.standard").first).to_be_hidden()
    expect(note).to_be_visible()
    expect(note).to_contain_text("contain details that look like identifiers")
    axe_check(page)

    page.get_by_label(NO_INVOLVEMENT).uncheck()
    expect(note).to_be_hidden()
    expect(page.locator("fieldset.standard").first).to_be_visible()

    # Nothing flagged among the standards: nothing said when they are hidden.
    page.locator("fieldset.standard").nth(0).get_by_label("Evidence", exact=True).fill("Seen by the duty officer.")
    page.keyboard.press("Tab")
    expect(page.locator("fieldset.standard").nth(0).locator(".identifier-warning")).to_have_count(0, timeout=15000)
    page.get_by_label(NO_INVOLVEMENT).check()
    expect(note).to_be_hidden()
    page.wait_for_function("() => Object.keys(localStorage).every((k) => !k.startsWith('parta:'))", timeout=15000)
    assert PartAReturn.objects.get(pk=ret.pk).no_involvement  # saved: nothing left on its way
    assert not csp_violations(browser_console), browser_console
