"""Part A in Chromium, on the demo: the auditor's journey, two tabs on one return, and a lost session."""

import re
import time

import pytest
from playwright.sync_api import Locator, Page, expect

from audits.models import Answer, PartAReturn, ReturnStatus
from audits.selectors.parta import evidence_field, return_state, tool_layout
from tests.demo_support import demo_police_return
from tests.fixtures_browser import axe_check, csp_violations, login

SLUG = "bh-cse-2015"
# "Saved 10:41", and what the save newly flagged as a possible identifier, if anything.
SAVED = re.compile(r"^Saved \d\d:\d\d(\. .+ flagged .+)?$")
R1_CHANGED_ELSEWHERE = "Not saved — R1 Evidence was changed elsewhere: choose which version to keep"


@pytest.fixture
def demo(transactional_db, settings):
    ret = demo_police_return(settings)
    assert ret.status == ReturnStatus.NOT_STARTED  # what the demo promises
    return ret


def go(page: Page, live_server, path: str) -> None:
    page.goto(f"{live_server.url}{path}")


def open_return(page: Page, live_server, ret) -> None:
    """Sign in as the return's auditor (Sussex Police, in the demo) and open the return."""
    login(page, live_server, "auditor.police", "demo")
    go(page, live_server, f"/audits/returns/{ret.pk}/")


def standards(page: Page) -> Locator:
    return page.locator("fieldset.standard")


def answer(page: Page, index: int, grade: str, evidence: str) -> None:
    standard = standards(page).nth(index)
    standard.get_by_label("Grade", exact=True).select_option(label=grade)
    standard.get_by_label("Evidence", exact=True).fill(evidence)


def wait_until_saved(page: Page) -> None:
    """The status says Saved and nothing is left on this device waiting to be saved."""
    expect(page.get_by_test_id("autosave-status")).to_have_text(SAVED, timeout=15000)
    page.wait_for_function("() => Object.keys(localStorage).every((k) => !k.startsWith('parta:'))", timeout=15000)


def evidence_of(ret: PartAReturn, index: int) -> str:
    layout = tool_layout(ret.tool_version)
    return return_state(PartAReturn.objects.get(pk=ret.pk), layout)[evidence_field(layout.standards[index].pk)]


@pytest.mark.browser
def test_auditor_completes_a_return_and_the_qa_manager_reviews_it(demo, live_server, page: Page, browser_console):
    ret = demo
    login(page, live_server, "auditor.police", "demo")
    expect(page.get_by_role("heading", name="My returns", level=1)).to_be_visible()
    axe_check(page)

    # Open the case and answer half the standards; autosave keeps them.
    page.get_by_role("link", name="Start Case 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case 1")
    axe_check(page)
    total = standards(page).count()
    half = total // 2
    assert total >= 10
    for i in range(half):
        answer(page, i, "Good", f"Recorded and acted on the same day (standard {i + 1}).")
    page.keyboard.press("Tab")  # leaving a field saves at once
    wait_until_saved(page)
    assert Answer.objects.filter(part_a_return=ret).count() == half
    expect(page.locator("[data-progress-answered]")).to_have_text(str(half))

    # Reload: the answers are still there.
    page.reload()
    for i in range(half):
        standard = standards(page).nth(i)
        expect(standard.get_by_label("Grade", exact=True).locator("option:checked")).to_have_text("Good")
        expect(standard.get_by_label("Evidence", exact=True)).to_have_value(
            f"Recorded and acted on the same day (standard {i + 1})."
        )
    expect(page.locator("#parta-restore")).to_be_hidden()  # nothing unsaved to offer

    # Finish and submit; then it is read-only.
    for i in range(half, total):
        answer(page, i, "Requires improvement", f"The plan was not reviewed when risks changed (standard {i + 1}).")
    page.get_by_label("Strengths").fill("Swift information sharing with social care.")
    page.get_by_label("Overall grade for my agency's practice").select_option(label="Good")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit return").click()
    expect(page.get_by_text("Return submitted.")).to_be_visible()
    expect(page.get_by_test_id("read-only-notice")).to_contain_text("read-only")
    expect(page.locator("textarea")).to_have_count(0)
    assert PartAReturn.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED

    # The QA manager returns it for amendment with a comment.
    page.context.clear_cookies()
    login(page, live_server, "qa.manager", "demo")
    go(page, live_server, f"/audits/returns/{ret.pk}/")
    panel = page.get_by_test_id("review-panel")
    panel.get_by_label("Comment for the auditor").fill("Please say when the strategy meeting took place.")
    with page.expect_navigation():
        panel.get_by_role("button", name="Return for amendment").click()
    expect(page.get_by_text("Returned to the auditor for amendment")).to_be_visible()
    assert PartAReturn.objects.get(pk=ret.pk).status == ReturnStatus.RETURNED

    # The auditor sees the comment, amends and resubmits.
    page.context.clear_cookies()
    login(page, live_server, "auditor.police", "demo")
    row = page.locator("tbody tr", has_text="Case 1")
    expect(row).to_contain_text("Returned for amendment")
    row.get_by_role("link").click()
    expect(page.get_by_test_id("amendment-comment")).to_contain_text("when the strategy meeting took place")
    standards(page).nth(0).get_by_label("Evidence", exact=True).fill(
        "Strategy meeting held the next morning; actions recorded."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Submit return").click()
    expect(page.get_by_test_id("read-only-notice")).to_contain_text("read-only")
    assert evidence_of(ret, 0) == "Strategy meeting held the next morning; actions recorded."

    # The QA manager accepts: locked.
    page.context.clear_cookies()
    login(page, live_server, "qa.manager", "demo")
    go(page, live_server, f"/audits/returns/{ret.pk}/review/")
    with page.expect_navigation():
        page.get_by_test_id("review-panel").get_by_role("button", name="Accept return").click()
    expect(page.get_by_text("Return accepted.")).to_be_visible()
    assert PartAReturn.objects.get(pk=ret.pk).status == ReturnStatus.ACCEPTED

    assert not csp_violations(browser_console), browser_console
    errors = [e for e in browser_console if e.type in ("error", "pageerror") and not e.url.endswith("/favicon.ico")]
    assert not errors, browser_console


@pytest.mark.browser
def test_two_tabs_on_one_return_get_a_conflict_not_an_overwrite(demo, live_server, page: Page, browser_console):
    ret = demo
    login(page, live_server, "auditor.police", "demo")
    first = page
    go(first, live_server, f"/audits/returns/{ret.pk}/")
    second = page.context.new_page()
    go(second, live_server, f"/audits/returns/{ret.pk}/")

    standards(first).nth(0).get_by_label("Evidence", exact=True).fill("Written in the first tab.")
    first.keyboard.press("Tab")
    wait_until_saved(first)

    standards(second).nth(0).get_by_label("Evidence", exact=True).fill("Written in the second tab.")
    second.keyboard.press("Tab")
    status = second.get_by_test_id("autosave-status")
    expect(status).to_have_text(R1_CHANGED_ELSEWHERE, timeout=15000)
    box = second.locator(".conflict-box")
    expect(box).to_have_count(1)
    expect(box.locator(".conflict-theirs")).to_have_text("Written in the first tab.")
    expect(box.locator(".conflict-yours")).to_have_text("Written in the second tab.")
    assert evidence_of(ret, 0) == "Written in the first tab."  # nothing overwritten
    axe_check(second)

    # The auditor merges by hand, then keeps the merged text.
    standards(second).nth(0).get_by_label("Evidence", exact=True).fill("Written in the first tab. And in the second.")
    box.get_by_role("button", name="Keep my version").click()
    expect(status).to_have_text(SAVED, timeout=15000)
    assert evidence_of(ret, 0) == "Written in the first tab. And in the second."

    # The first tab is now behind: its next save is refused in turn, not applied over the merge.
    standards(first).nth(1).get_by_label("Evidence", exact=True).fill("Another answer from the first tab.")
    first.keyboard.press("Tab")
    # Standard 2 was changed only here, so there is nothing to merge: it is saved on the new version,
    # and the first tab takes the merged text of standard 1.
    wait_until_saved(first)
    expect(standards(first).nth(0).get_by_label("Evidence", exact=True)).to_have_value(
        "Written in the first tab. And in the second."
    )
    assert evidence_of(ret, 1) == "Another answer from the first tab."
    assert not csp_violations(browser_console), browser_console


CHOOSE_FIRST = re.compile(r"^Choose which text to keep first")


@pytest.mark.browser
def test_save_draft_or_submit_never_overwrites_an_open_conflict(demo, live_server, page: Page, browser_console):
    """Neither button posts this tab's text over the other's while the conflict box waits for a choice;
    and the form's version stays where the conflict began, so a post that gets through anyway is refused."""
    ret = demo
    login(page, live_server, "auditor.police", "demo")
    first = page
    go(first, live_server, f"/audits/returns/{ret.pk}/")
    second = page.context.new_page()
    go(second, live_server, f"/audits/returns/{ret.pk}/")
    standards(first).nth(0).get_by_label("Evidence", exact=True).fill("Written in the first tab.")
    first.keyboard.press("Tab")
    wait_until_saved(first)

    # The second tab's autosave is still on its way when Save draft is clicked: it answers with a conflict.
    held = []
    second.route("**/autosave/", lambda route: held.append(route))
    standards(second).nth(0).get_by_label("Evidence", exact=True).fill("Written in the second tab.")
    second.keyboard.press("Tab")
    deadline = time.monotonic() + 15
    while not held and time.monotonic() < deadline:
        second.wait_for_timeout(100)
    assert held, "the autosave was not sent"
    second.get_by_role("button", name="Save draft").click()
    held[0].continue_()
    second.unroute("**/autosave/")
    status = second.get_by_test_id("autosave-status")
    expect(status).to_have_text(CHOOSE_FIRST, timeout=15000)
    box = second.locator(".conflict-box")
    expect(box).to_have_count(1)
    expect(box).to_be_focused()
    expect(box.locator(".conflict-prompt")).to_have_text(CHOOSE_FIRST)
    assert second.url.endswith(f"/audits/returns/{ret.pk}/")  # nothing was posted
    assert evidence_of(ret, 0) == "Written in the first tab."

    # Other answers still autosave meanwhile (on the saved version); the status says the conflict is still
    # open once that answer is saved (awaited: an answer arriving after the clicks below would say so instead).
    standards(second).nth(1).get_by_label("Evidence", exact=True).fill("Another answer from the second tab.")
    second.keyboard.press("Tab")
    deadline = time.monotonic() + 15
    while evidence_of(ret, 1) != "Another answer from the second tab." and time.monotonic() < deadline:
        time.sleep(0.2)
    assert evidence_of(ret, 1) == "Another answer from the second tab."
    expect(status).to_have_text(R1_CHANGED_ELSEWHERE, timeout=15000)

    # Clicked again once the conflict is showing: the same; Submit return too.
    second.get_by_role("button", name="Save draft").click()
    second.get_by_role("button", name="Submit return").click()
    expect(status).to_have_text(CHOOSE_FIRST)
    expect(box).to_be_focused()
    assert evidence_of(ret, 0) == "Written in the first tab."
    axe_check(second)
    # … but the form's version is still the one the conflicting text was written on: a post of the whole
    # form that gets past the script (here: the form's submit() fires no submit event) is the server's conflict page.
    with second.expect_navigation():
        second.evaluate("HTMLFormElement.prototype.submit.call(document.querySelector('form[data-parta-form]'))")
    expect(second.get_by_test_id("conflict-summary")).to_be_visible()
    assert evidence_of(ret, 0) == "Written in the first tab."
    assert evidence_of(ret, 1) == "Another answer from the second tab."

    # Choosing resolves it: "Keep my version", then Save draft saves it.
    go(second, live_server, f"/audits/returns/{ret.pk}/")
    go(first, live_server, f"/audits/returns/{ret.pk}/")
    standards(first).nth(0).get_by_label("Evidence", exact=True).fill("The first tab again.")
    first.keyboard.press("Tab")
    wait_until_saved(first)
    standards(second).nth(0).get_by_label("Evidence", exact=True).fill("The second tab, merged.")
    second.keyboard.press("Tab")
    expect(second.get_by_test_id("autosave-status")).to_have_text(R1_CHANGED_ELSEWHERE, timeout=15000)
    second.locator(".conflict-box").get_by_role("button", name="Keep my version").click()
    with second.expect_navigation():
        second.get_by_role("button", name="Save draft").click()
    expect(second.get_by_text("Draft saved at")).to_be_visible()
    assert evidence_of(ret, 0) == "The second tab, merged."
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_a_lost_session_loses_nothing(demo, live_server, page: Page, browser_console):
    ret = demo
    open_return(page, live_server, ret)

    page.context.clear_cookies(name="sessionid")  # the session expires while the auditor types
    standards(page).nth(0).get_by_label("Evidence", exact=True).fill("Typed after the session ended.")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("autosave-status")).to_have_text("Not saved — you have been signed out", timeout=15000)
    expect(page.locator("#parta-signed-out")).to_be_visible()
    expect(page.locator("#parta-signed-out").get_by_role("link")).to_have_attribute("target", "_blank")

    # A reload goes to the login page, which returns to the form; the device's copy is offered back.
    page.reload()
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "auditor.police")
    page.fill("#id_password", "demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith(f"/audits/returns/{ret.pk}/")
    restore = page.locator("#parta-restore")
    expect(restore).to_be_visible()
    expect(restore).to_contain_text("This device holds an answer you typed at")
    restore.get_by_role("button", name="Restore them").click()
    wait_until_saved(page)
    assert evidence_of(ret, 0) == "Typed after the session ended."

    # Signed out again, cookies and all; signing in in another tab lets the first tab save by itself.
    page.context.clear_cookies()
    standards(page).nth(1).get_by_label("Evidence", exact=True).fill("Typed while signed out again.")
    page.keyboard.press("Tab")
    expect(page.locator("#parta-signed-out")).to_be_visible(timeout=15000)
    other = page.context.new_page()
    login(other, live_server, "auditor.police", "demo")
    other.close()
    page.bring_to_front()
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    wait_until_saved(page)
    deadline = time.monotonic() + 10
    while evidence_of(ret, 1) != "Typed while signed out again." and time.monotonic() < deadline:
        time.sleep(0.2)
    assert evidence_of(ret, 1) == "Typed while signed out again."
    assert not csp_violations(browser_console), browser_console


def identifiers_confirmed(ret: PartAReturn) -> bool:
    return PartAReturn.objects.values_list("identifiers_confirmed", flat=True).get(pk=ret.pk)


def eventually(predicate, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


@pytest.mark.browser
def test_the_identifier_confirmation_follows_what_is_flagged(demo, live_server, page: Page, browser_console):
    ret = demo
    open_return(page, live_server, ret)
    confirm = page.get_by_label("I confirm the flagged details are not information about the child")
    expect(confirm).to_be_hidden()  # nothing flagged: nothing to confirm

    standards(page).nth(0).get_by_label("Evidence", exact=True).fill("Lives at BN1 1AA")
    page.keyboard.press("Tab")
    wait_until_saved(page)
    expect(confirm).to_be_visible()
    axe_check(page)
    confirm.check()
    assert eventually(lambda: identifiers_confirmed(ret))

    # Another identifier typed in: the confirmation is cleared, on the server and on the page.
    standards(page).nth(1).get_by_label("Evidence", exact=True).fill("NHS no 943 476 5919")
    page.keyboard.press("Tab")
    expect(confirm).not_to_be_checked(timeout=15000)
    assert not identifiers_confirmed(ret)

    # Ticked while the save of a new identifier is on its way (before the page marks it): not kept.
    confirm.check()
    assert eventually(lambda: identifiers_confirmed(ret))
    page.evaluate(
        """async () => {
            const box = document.querySelectorAll("fieldset.standard")[2].querySelector("textarea");
            box.value = "Mobile 07700 900123";
            box.dispatchEvent(new Event("input", { bubbles: true }));
            box.dispatchEvent(new FocusEvent("focusout", { bubbles: true }));
            const confirm = document.getElementById("id_identifiers_confirmed");
            confirm.checked = false;  // as if unticked and ticked again, while the save is in flight
            await new Promise((resolve) => setTimeout(resolve, 0));
            confirm.click();
        }"""
    )
    expect(standards(page).nth(2).locator(".identifier-warning")).to_have_count(1, timeout=15000)
    expect(confirm).not_to_be_checked()
    page.wait_for_timeout(3500)  # longer than the autosave's pause: nothing more is sent
    expect(confirm).not_to_be_checked()
    assert not identifiers_confirmed(ret)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_a_long_answer_is_counted_and_never_takes_the_others_with_it(demo, live_server, page: Page, browser_console):
    ret = demo
    open_return(page, live_server, ret)
    first = standards(page).nth(0).get_by_label("Evidence", exact=True)
    count = standards(page).nth(0).locator(".char-count")
    expect(count).to_be_hidden()  # far from the limit: no count

    # Near the limit, the count shows (and is read out once typing pauses).
    first.fill("a" * 9_500)
    expect(count).to_have_text("500 characters left (the limit is 10,000)")
    expect(standards(page).nth(0).locator("[aria-live=polite]")).to_have_text(
        "500 characters left (the limit is 10,000)", timeout=5000
    )
    # A paste that goes over is kept whole (maxlength would cut it off without a word), and counted.
    first.fill("")
    first.focus()
    page.keyboard.insert_text("b" * 10_050)
    assert len(first.input_value()) == 10_050
    expect(count).to_have_text("50 characters too many (the limit is 10,000): shorten this answer to save it")
    axe_check(page)

    # Another answer is saved meanwhile; the long one is held back, and the status says so.
    standards(page).nth(1).get_by_label("Evidence", exact=True).fill("Seen by the duty team the same day.")
    page.keyboard.press("Tab")
    deadline = time.monotonic() + 15
    while evidence_of(ret, 1) != "Seen by the duty team the same day." and time.monotonic() < deadline:
        time.sleep(0.2)
    assert evidence_of(ret, 1) == "Seen by the duty team the same day."
    assert evidence_of(ret, 0) == ""
    expect(page.get_by_test_id("autosave-status")).to_contain_text("Not saved", timeout=15000)

    # Save draft posts it all: the rest is saved, the long answer comes back with its problem, unsaved.
    standards(page).nth(2).get_by_label("Evidence", exact=True).fill("Typed just before Save draft.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    assert evidence_of(ret, 2) == "Typed just before Save draft."
    first = standards(page).nth(0).get_by_label("Evidence", exact=True)
    assert len(first.input_value()) == 10_050
    expect(standards(page).nth(0)).to_contain_text("over the limit of 10000: shorten it to save it")
    expect(page.get_by_test_id("autosave-status")).to_have_text("Not saved — see the problems marked below")
    axe_check(page)

    # Shortened, it is saved by itself; after a reload every answer is there.
    first.fill("Shortened to what matters.")
    page.keyboard.press("Tab")
    wait_until_saved(page)
    expect(first).not_to_have_class(re.compile("is-invalid"))
    go(page, live_server, f"/audits/returns/{ret.pk}/")  # (a reload would post the refused form again)
    for index, text in enumerate(
        ["Shortened to what matters.", "Seen by the duty team the same day.", "Typed just before Save draft."]
    ):
        expect(standards(page).nth(index).get_by_label("Evidence", exact=True)).to_have_value(text)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_text_typed_after_part_a_closes_is_shown_to_copy(demo, live_server, page: Page, browser_console):
    from audits.models import Audit, AuditStatus

    ret = demo
    open_return(page, live_server, ret)
    standards(page).nth(0).get_by_label("Evidence", exact=True).fill("Saved while Part A was open.")
    page.keyboard.press("Tab")
    wait_until_saved(page)

    # The QA manager moves the audit to Part B while the auditor types.
    Audit.objects.filter(slug=SLUG).update(status=AuditStatus.PART_B)
    late = standards(page).nth(1).get_by_label("Evidence", exact=True)
    late.fill("Typed after Part B began: the strategy meeting on day two.")
    page.keyboard.press("Tab")
    status = page.get_by_test_id("autosave-status")
    expect(status).to_have_text("Not saved — this return can no longer be changed", timeout=15000)
    expect(page.locator("#parta-blocked")).to_contain_text("still on this page")

    # Save draft: the read-only page, with the text that could not be saved, to copy.
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("read-only-notice")).to_contain_text("read-only")
    panel = page.get_by_test_id("unsaved-text")
    expect(panel).to_contain_text("Typed after Part B began: the strategy meeting on day two.")
    expect(panel).not_to_contain_text("Saved while Part A was open.")
    axe_check(page)
    assert evidence_of(ret, 1) == ""
    assert not csp_violations(browser_console), browser_console
