"""Part A in Chromium at 1366 x 768: from anywhere in a long form, the bar that stays in view leads back to
the list of sections, and that list leads to each section, to the agency's practice and to Save or submit,
each landing in sight below the bar. A first-time auditor at the foot of the tool scrolled all the way
back up to find the next section, or to find the submit button."""

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures_browser import axe_check, csp_violations
from tests.test_parta_browser import demo, open_return, standards  # noqa: F401 - demo is a fixture

BELOW_THE_BAR = """(selector) => {
  const bar = document.querySelector('.parta-savebar').getBoundingClientRect();
  const target = document.querySelector(selector).getBoundingClientRect();
  return target.top >= bar.bottom - 1 && target.bottom <= window.innerHeight;
}"""


@pytest.mark.browser
def test_the_sections_are_a_click_away_from_the_foot_of_the_form(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    page.emulate_media(reduced_motion="reduce")  # jumps land at once, not after a smooth scroll
    open_return(page, live_server, demo)
    standards(page).last.get_by_label("Evidence", exact=True).focus()

    jump = page.get_by_test_id("jump-to-sections")
    expect(jump).to_be_in_viewport()  # in the sticky bar, wherever the auditor is
    jump.click()
    sections = page.get_by_role("navigation", name="Sections of the audit tool")
    expect(sections).to_be_in_viewport()
    assert page.evaluate(BELOW_THE_BAR, "#parta-sections")
    axe_check(page)

    sections.get_by_role("link", name="Planning").click()
    heading = page.get_by_role("heading", name="3. Planning")
    expect(heading).to_be_in_viewport()
    assert page.evaluate(BELOW_THE_BAR, f"#{heading.get_attribute('id')}")

    page.get_by_test_id("jump-to-sections").click()
    sections.get_by_role("link", name="Save or submit").click()
    expect(page.get_by_role("button", name="Submit return")).to_be_in_viewport()
    assert page.evaluate(BELOW_THE_BAR, "#submit-heading")
    assert not csp_violations(browser_console), browser_console
