"""Part A in Chromium when the network fails while the auditor types: the status line says so, nothing
typed is lost, and the autosave sends it all once the server can be reached again, without a conflict."""

import re
import time

import pytest
from playwright.sync_api import Page, Route, expect

from tests.fixtures_browser import axe_check, csp_violations
from tests.test_parta_browser import demo, evidence_of, go, open_return, standards  # noqa: F401 - demo is a fixture
from tests.test_parta_status_browser import evidence, wait_for

NOT_SAVED = re.compile(r"^Not saved")
NOT_SENT = "Not sent — there is no connection. Your answers are kept on this page and on this device"
# Whether leaving the page now would make the browser ask first.
GUARDED = """() => {
  const event = new Event('beforeunload', {cancelable: true});
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""


@pytest.mark.browser
def test_typing_offline_keeps_everything_and_saves_it_when_back_online(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    ret = demo
    open_return(page, live_server, ret)
    status = page.get_by_test_id("autosave-status")

    page.context.set_offline(True)
    evidence(page, 0).fill("Typed with the network down.")
    page.keyboard.press("Tab")
    expect(status).to_have_text(NOT_SAVED, timeout=15000)
    expect(status).to_have_attribute("role", "status")
    # Let the retries back off a while (2 s, 4 s, 8 s…), then type more.
    time.sleep(7)
    evidence(page, 1).fill("More, still offline.")
    page.keyboard.press("Tab")
    expect(status).to_have_text(NOT_SAVED, timeout=15000)
    expect(evidence(page, 0)).to_have_value("Typed with the network down.")
    assert page.evaluate(GUARDED)
    # At the foot of the page the sticky save bar lies over the risk factors' boxes, which axe counts as
    # too small a target: checked from the top, where the status line and the answers are.
    page.evaluate("window.scrollTo(0, 0)")
    axe_check(page)

    # Back online: the page tries again at once, not at the end of its longest wait.
    page.context.set_offline(False)
    wait_for(
        lambda: (evidence_of(ret, 0), evidence_of(ret, 1)) == ("Typed with the network down.", "More, still offline."),
        5,
    )
    expect(status).to_have_text(re.compile(r"^Saved \d\d:\d\d$"), timeout=5000)
    assert not page.evaluate(GUARDED)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_save_draft_or_submit_offline_sends_nothing_and_says_so(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    ret = demo
    open_return(page, live_server, ret)
    url = page.url
    status = page.get_by_test_id("autosave-status")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url == url else None)

    page.context.set_offline(True)
    evidence(page, 0).fill("Typed offline, then saved.")
    for button in ("Save draft", "Submit return"):
        page.get_by_role("button", name=button).click()
        expect(status).to_contain_text(NOT_SENT)
        assert page.url == url
        expect(evidence(page, 0)).to_have_value("Typed offline, then saved.")
    assert page.evaluate(GUARDED)
    # At the foot of the page the sticky save bar lies over the risk factors' boxes, which axe counts as
    # too small a target: checked from the top, where the status line and the answers are.
    page.evaluate("window.scrollTo(0, 0)")
    axe_check(page)

    # Back online: the autosave sends it, and Save draft posts the form once.
    page.context.set_offline(False)
    deadline = time.monotonic() + 15
    while evidence_of(ret, 0) != "Typed offline, then saved.":
        assert time.monotonic() < deadline, status.text_content()
        page.wait_for_timeout(100)
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    assert posts == [url], posts
    assert evidence_of(ret, 0) == "Typed offline, then saved."
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_a_failing_server_is_retried_with_a_growing_wait(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    ret = demo
    open_return(page, live_server, ret)
    status = page.get_by_test_id("autosave-status")
    tries: list[float] = []

    def bad_gateway(route: Route) -> None:
        tries.append(time.monotonic())
        if len(tries) <= 3:
            route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")
        else:
            route.continue_()

    page.route(re.compile(r"/autosave/?$"), bad_gateway)
    evidence(page, 0).fill("Typed while the server was down.")
    page.keyboard.press("Tab")
    expect(status).to_have_text(NOT_SAVED, timeout=15000)
    expect(status).to_have_class(re.compile(r"\bis-error\b"))
    axe_check(page)
    # Routes are answered only while Playwright is called: wait on the database through the page's clock.
    deadline = time.monotonic() + 30
    while evidence_of(ret, 0) != "Typed while the server was down.":
        assert time.monotonic() < deadline, (tries, status.text_content())
        page.wait_for_timeout(100)
    expect(status).to_have_text(re.compile(r"^Saved \d\d:\d\d$"), timeout=5000)
    gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
    assert len(tries) == 4, gaps
    assert gaps[0] >= 1.5 and gaps[1] > gaps[0] and gaps[2] > gaps[1], gaps
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_a_save_draft_lost_on_the_way_is_offered_back_from_this_device(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    """The form post fails although the browser thinks it is online (the connection drops on the way): the
    browser's error page takes the form's place in the history, and opening the return again offers back
    what was typed."""
    ret = demo
    open_return(page, live_server, ret)
    url = page.url

    def drop_posts(route: Route) -> None:
        if route.request.method == "POST":
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(url, drop_posts)
    evidence(page, 0).fill("Typed before Save draft.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"^chrome-error:"))
    page.unroute(url)
    go(page, live_server, f"/audits/returns/{ret.pk}/")
    restore = page.locator("#parta-restore")
    expect(restore).to_be_visible()
    restore.get_by_role("button", name="Restore them").click()
    deadline = time.monotonic() + 15
    while evidence_of(ret, 0) != "Typed before Save draft.":
        assert time.monotonic() < deadline, page.get_by_test_id("autosave-status").text_content()
        page.wait_for_timeout(100)
    assert not csp_violations(browser_console), browser_console
