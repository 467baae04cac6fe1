"""Part A in Chromium, as a screen reader user meets it: what the page changes by itself is said in the
status line (WCAG 4.1.3), and the focus goes somewhere sensible when what had it goes away (2.4.3)."""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures_browser import axe_check, csp_violations, login
from tests.test_focus_browser import BOXES, assert_none_under_the_bar_going_back, hidden_by_the_bar, settled
from tests.test_parta_browser import demo, evidence_of, go, open_return, standards  # noqa: F401 - demo is a fixture

# Every text the status line (role=status, on the page from the start) is given, in order.
RECORD_STATUS = """() => {
  const status = document.getElementById('autosave-status');
  window.statusSaid = [];
  new MutationObserver(() => window.statusSaid.push(status.textContent))
    .observe(status, {childList: true, characterData: true, subtree: true});
}"""

SAVED_ONLY = re.compile(r"^Saved \d\d:\d\d$")


def said(page: Page) -> list[str]:
    return page.evaluate("window.statusSaid")


def evidence(page: Page, index: int):
    return standards(page).nth(index).get_by_label("Evidence", exact=True)


@pytest.mark.browser
def test_identifiers_flagged_by_the_autosave_are_said_once_in_the_status(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    ret = demo
    open_return(page, live_server, ret)
    status = page.get_by_test_id("autosave-status")
    region = status.element_handle()  # the live region the page had when it was loaded
    page.evaluate(RECORD_STATUS)

    evidence(page, 0).fill("NHS no 943 476 5919")
    page.keyboard.press("Tab")
    expect(status).to_have_text(
        re.compile(r"^Saved \d\d:\d\d\. 1 possible identifier flagged in R1 Evidence: check it$"), timeout=15000
    )
    assert page.evaluate("(el) => el.isConnected && el === document.getElementById('autosave-status')", region)
    # The warning the script added reads like the server's: "Warning:" first, for screen readers.
    warning = standards(page).nth(0).locator(".identifier-warning")
    expect(warning).to_have_count(1)
    expect(warning.locator("span.visually-hidden")).to_have_text("Warning:")
    expect(page.get_by_test_id("identifier-summary")).to_be_visible()
    scripted = standards(page).nth(0).locator("[data-warnings-for]").inner_html()
    axe_check(page)

    # Saved again with the same detail in it: nothing new flagged, nothing more said of it.
    evidence(page, 0).fill("NHS no 943 476 5919, given by the mother")
    page.keyboard.press("Tab")
    expect(status).to_have_text(SAVED_ONLY, timeout=15000)
    assert len([text for text in said(page) if "identifier" in text]) == 1, said(page)

    # Two more in another answer: counted, and the answer named.
    evidence(page, 1).fill("Mobile 07700 900123, NHS no 943 476 5919")
    page.keyboard.press("Tab")
    expect(status).to_have_text(
        re.compile(r"^Saved \d\d:\d\d\. 2 possible identifiers flagged in R2 Evidence: check them$"), timeout=15000
    )

    # The server shows the same warning with the same markup.
    go(page, live_server, f"/audits/returns/{ret.pk}/")
    assert standards(page).nth(0).locator("[data-warnings-for]").inner_html() == scripted

    # All taken out: said too, as the box to confirm them goes away.
    page.evaluate(RECORD_STATUS)
    evidence(page, 0).fill("Seen by the duty team the same day.")
    evidence(page, 1).fill("Strategy meeting the next morning.")
    page.keyboard.press("Tab")
    expect(status).to_have_text(
        re.compile(r"^Saved \d\d:\d\d\. No possible identifiers are flagged now$"), timeout=15000
    )
    expect(page.get_by_test_id("identifier-summary")).to_be_hidden()
    assert not csp_violations(browser_console), browser_console


def focused_test_id(page: Page) -> str | None:
    return page.evaluate("document.activeElement.dataset.testid || null")


@pytest.mark.browser
def test_a_page_with_errors_starts_at_their_summary(demo, live_server, page: Page, browser_console):  # noqa: F811
    ret = demo
    open_return(page, live_server, ret)
    with page.expect_navigation():
        page.get_by_role("button", name="Submit return").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    axe_check(page)

    # Reloaded from further down the page: the summary has the focus again, in view and clear of the bar.
    page.get_by_role("button", name="Save draft").scroll_into_view_if_needed()
    page.reload()
    expect(summary).to_be_focused()
    settled(page)
    box = page.evaluate(BOXES, summary.element_handle())
    assert 0 <= box["top"] < 768, box
    assert hidden_by_the_bar(box) == 0, box

    # A link to one of the fields is followed instead.
    first = summary.locator("a[href^='#']").first.get_attribute("href")
    go(page, live_server, f"/audits/returns/{ret.pk}/{first}")
    expect(page.get_by_test_id("error-summary")).not_to_be_focused()
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_what_is_focused_stays_clear_of_a_save_bar_that_wraps(demo, live_server, page: Page):  # noqa: F811
    """A long status line takes the bar to two lines on a narrow screen: the focus still lands below it."""
    ret = demo
    page.set_viewport_size({"width": 640, "height": 800})
    open_return(page, live_server, ret)
    bar = page.locator(".parta-savebar")
    one_line = bar.bounding_box()["height"]
    evidence(page, 0).fill("Mobile 07700 900123, NHS no 943 476 5919")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("autosave-status")).to_contain_text("flagged", timeout=15000)
    assert bar.bounding_box()["height"] > one_line * 1.4  # wrapped
    assert_none_under_the_bar_going_back(page, 30)


KEEP_ON_DEVICE = """([entries]) => {
  const form = document.querySelector('form[data-parta-form]');
  const base = Number(form.querySelector('input[name=version]').value);
  const fields = {};
  for (const [name, value] of entries) fields[name] = {value, at: Date.now(), base};
  localStorage.setItem(`parta:${form.dataset.userId}:${form.dataset.returnId}`, JSON.stringify({fields}));
}"""


def grade(page: Page, index: int):
    return standards(page).nth(index).get_by_label("Grade", exact=True)


def keep_on_device(page: Page) -> None:
    """Answers typed on this device but never saved (as if the tab had closed before it could save)."""
    good = grade(page, 1).locator("option", has_text="Good").first.get_attribute("value")
    entries = [
        [grade(page, 1).get_attribute("name"), good],
        [evidence(page, 0).get_attribute("name"), "Typed on this device, never saved."],
    ]
    page.evaluate(KEEP_ON_DEVICE, [entries])
    page.reload()
    expect(page.locator("#parta-restore")).to_be_visible()
    page.evaluate(RECORD_STATUS)


def wait_for(condition, seconds: float = 15) -> None:
    """Until the condition (on the database) holds; the test fails if it does not within the time."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the saved state"
        time.sleep(0.1)


def press(page: Page, button) -> None:
    button.focus()
    page.keyboard.press("Enter")


@pytest.mark.browser
def test_restoring_or_discarding_the_device_copy_moves_the_focus_and_says_so(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    ret = demo
    open_return(page, live_server, ret)
    status = page.get_by_test_id("autosave-status")

    # Discarded: the focus goes to the page's heading (not lost with the banner), and the status says what went.
    keep_on_device(page)
    press(page, page.get_by_role("button", name="Discard them"))
    expect(page.locator("#parta-restore")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(status).to_have_text(
        "Discarded 2 answers kept on this device (R1 Evidence, R2 Grade): the saved ones are shown"
    )
    expect(evidence(page, 0)).to_have_value("")

    # Restored: the focus goes to the first of them; the status names them, then says they are saved.
    keep_on_device(page)
    press(page, page.get_by_role("button", name="Restore them"))
    expect(evidence(page, 0)).to_be_focused()
    expect(evidence(page, 0)).to_have_value("Typed on this device, never saved.")
    expect(status).to_have_text(SAVED_ONLY, timeout=15000)
    assert said(page)[0] == "Restored 2 answers from this device: R1 Evidence, R2 Grade; saving…", said(page)
    assert evidence_of(ret, 0) == "Typed on this device, never saved."
    axe_check(page)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_a_conflict_is_named_linked_to_its_answer_and_a_choice_returns_the_focus_to_it(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    ret = demo
    login(page, live_server, "auditor.police", "demo")
    first = page
    go(first, live_server, f"/audits/returns/{ret.pk}/")
    second = page.context.new_page()
    go(second, live_server, f"/audits/returns/{ret.pk}/")
    evidence(first, 0).fill("Written in the first tab.")
    first.keyboard.press("Tab")
    expect(first.get_by_test_id("autosave-status")).to_have_text(SAVED_ONLY, timeout=15000)

    # The second tab's save meets the first's: the status names the answer, which is described by its box.
    answer = evidence(second, 0)
    answer.fill("Written in the second tab.")
    second.keyboard.press("Tab")
    status = second.get_by_test_id("autosave-status")
    expect(status).to_have_text(
        "Not saved — R1 Evidence was changed elsewhere: choose which version to keep", timeout=15000
    )
    box = second.locator(".conflict-box")
    box_id = box.get_attribute("id")
    assert box_id
    expect(answer).to_have_attribute("aria-describedby", re.compile(rf"(^| ){box_id}( |$)"))
    axe_check(second)

    # Keep my version: the box goes, the focus goes to the answer, and the status says what happened.
    second.evaluate(RECORD_STATUS)
    press(second, box.get_by_role("button", name="Keep my version"))
    expect(box).to_have_count(0)
    expect(answer).to_be_focused()
    expect(answer).not_to_have_attribute("aria-describedby", re.compile(box_id))
    expect(status).to_have_text(SAVED_ONLY, timeout=15000)
    assert said(second)[0] == "R1 Evidence: your version kept; saving…", said(second)
    assert evidence_of(ret, 0) == "Written in the second tab."

    # The first tab is behind now: its next change of the answer meets a conflict in turn.
    mine = evidence(first, 0)
    mine.fill("The first tab again.")
    first.keyboard.press("Tab")
    expect(first.get_by_test_id("autosave-status")).to_contain_text("R1 Evidence was changed", timeout=15000)
    first.evaluate(RECORD_STATUS)
    press(first, first.locator(".conflict-box").get_by_role("button", name="Use the saved version"))
    expect(mine).to_be_focused()
    expect(mine).to_have_value("Written in the second tab.")
    expect(first.get_by_test_id("autosave-status")).to_have_text("R1 Evidence: the saved version is back")
    assert evidence_of(ret, 0) == "Written in the second tab."

    # The server's conflict page (a form post, without the script's help): named and linked the same way.
    # The second tab saves first; the first tab's text is posted at once after it is typed, before its
    # own autosave (2.5 s after typing) could send it.
    evidence(second, 0).fill("Saved from the second tab.")
    second.keyboard.press("Tab")
    expect(status).to_have_text(SAVED_ONLY, timeout=15000)
    wait_for(lambda: evidence_of(ret, 0) == "Saved from the second tab.")
    mine.fill("Posted from the first tab.")
    with first.expect_navigation():
        first.evaluate("HTMLFormElement.prototype.submit.call(document.querySelector('form[data-parta-form]'))")
    expect(first.get_by_test_id("conflict-summary")).to_be_visible()
    expect(first.get_by_test_id("autosave-status")).to_have_text(
        "Not saved — R1 Evidence was changed elsewhere: choose which version to keep"
    )
    expect(evidence(first, 0)).to_have_attribute("aria-describedby", re.compile(r"(^| )conflict-box-"))
    axe_check(first)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_a_conflict_still_open_stays_in_the_status_after_another_is_resolved(
    demo,  # noqa: F811
    live_server,
    page: Page,
):
    ret = demo
    login(page, live_server, "auditor.police", "demo")
    first = page
    go(first, live_server, f"/audits/returns/{ret.pk}/")
    second = page.context.new_page()
    go(second, live_server, f"/audits/returns/{ret.pk}/")
    evidence(first, 0).fill("First tab, R1.")
    evidence(first, 1).fill("First tab, R2.")
    first.keyboard.press("Tab")
    # Both saved (the two may go in two requests, the status saying "Saved" after the first).
    wait_for(lambda: (evidence_of(ret, 0), evidence_of(ret, 1)) == ("First tab, R1.", "First tab, R2."))

    evidence(second, 0).fill("Second tab, R1.")
    evidence(second, 1).fill("Second tab, R2.")
    second.keyboard.press("Tab")
    status = second.get_by_test_id("autosave-status")
    expect(status).to_contain_text("were changed elsewhere", timeout=15000)
    expect(second.locator(".conflict-box")).to_have_count(2)

    # One choice made and saved: the other answer is still in conflict, and the status keeps saying so.
    press(second, second.locator(".conflict-box").first.get_by_role("button", name="Keep my version"))
    expect(second.locator(".conflict-box")).to_have_count(1)
    expect(status).to_have_text(
        "Not saved — R2 Evidence was changed elsewhere: choose which version to keep", timeout=15000
    )
    assert evidence_of(ret, 0) == "Second tab, R1."
    assert evidence_of(ret, 1) == "First tab, R2."
