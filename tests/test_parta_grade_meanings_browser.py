"""Part A in Chromium, on the demo: "What the grades mean", above the standards, opens and closes from the
keyboard and reads each grade with what it means (the demo's four-step scale says it), and the page passes
axe-core open and closed. A first-time auditor grading a standard saw only the labels."""

import pytest
from playwright.sync_api import Page, expect

from audits.demo import GRADE_DESCRIPTIONS
from tests.fixtures_browser import axe_check, csp_violations
from tests.test_parta_browser import demo, open_return, standards  # noqa: F401 - demo is a fixture


@pytest.mark.browser
def test_an_auditor_reads_what_the_grades_mean_from_the_keyboard(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    open_return(page, live_server, demo)
    meanings = page.get_by_test_id("grade-meanings")
    summary = meanings.locator("summary")
    expect(summary).to_have_text("What the grades mean")
    good = meanings.get_by_text(GRADE_DESCRIPTIONS[2])
    expect(good).to_be_hidden()  # closed until asked for: the standards stay near the top
    assert page.evaluate(
        "() => document.querySelector('[data-testid=grade-meanings]').compareDocumentPosition("
        "document.querySelector('fieldset.standard')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    axe_check(page)

    summary.focus()
    page.keyboard.press("Enter")
    expect(meanings).to_have_attribute("open", "")
    for rank, label in enumerate(("Outstanding", "Good", "Requires improvement", "Inadequate"), start=1):
        expect(meanings.locator("dt").nth(rank - 1)).to_have_text(label)
        expect(meanings.locator("dd").nth(rank - 1)).to_have_text(GRADE_DESCRIPTIONS[rank])
    expect(good).to_be_visible()
    axe_check(page)

    page.keyboard.press("Space")  # closed again, the focus where it was
    expect(good).to_be_hidden()
    expect(summary).to_be_focused()
    expect(standards(page).first).to_be_visible()
    assert not csp_violations(browser_console), browser_console
