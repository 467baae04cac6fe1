"""Part A in Chromium, the Wi-Fi lost while typing: the status line says what a first-time auditor needs to
hear, that nothing is lost and nothing is to be done (the answers are kept on this device and saved by
themselves once the connection is back), where it said only "Not saved — retrying". The portal out of reach
with the network up (the request failing, or the server's error) says so in the same words."""

import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.fixtures_browser import axe_check, csp_violations
from tests.test_parta_browser import demo, evidence_of, open_return  # noqa: F401 - demo is a fixture
from tests.test_parta_status_browser import evidence

OFFLINE = (
    "Not saved yet — there is no connection. Your answers are kept on this device and saved by themselves "
    "when the connection is back: you can carry on."
)
UNREACHABLE = (
    "Not saved yet — the portal cannot be reached just now. Your answers are kept on this device and sent "
    "again by themselves: you can carry on."
)
SAVED = re.compile(r"^Saved \d\d:\d\d$")
KEPT = "() => Object.keys(localStorage).some((k) => k.startsWith('parta:'))"


@pytest.mark.browser
def test_the_wifi_lost_says_the_answers_are_kept_and_saved_by_themselves(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    ret = demo
    open_return(page, live_server, ret)
    status = page.get_by_test_id("autosave-status")

    page.context.set_offline(True)
    evidence(page, 0).fill("Typed on the train.")
    page.keyboard.press("Tab")
    expect(status).to_have_text(OFFLINE, timeout=15000)
    assert page.evaluate(KEPT)  # what the words promise
    page.evaluate("window.scrollTo(0, 0)")
    axe_check(page)

    page.context.set_offline(False)
    expect(status).to_have_text(SAVED, timeout=15000)
    assert evidence_of(ret, 0) == "Typed on the train."
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@pytest.mark.parametrize("failure", ["no answer", "server error"])
def test_the_portal_out_of_reach_says_the_same(
    demo,  # noqa: F811
    live_server,
    page: Page,
    failure: str,
):
    ret = demo
    open_return(page, live_server, ret)
    status = page.get_by_test_id("autosave-status")

    def fail(route: Route) -> None:
        if failure == "no answer":
            route.abort("connectionrefused")
        else:
            route.fulfill(status=502, content_type="text/html", body="<h1>Bad gateway</h1>")

    page.route("**/autosave/", fail)
    evidence(page, 0).fill("Typed while the portal was down.")
    page.keyboard.press("Tab")
    expect(status).to_have_text(UNREACHABLE, timeout=15000)
    assert page.evaluate(KEPT)

    page.unroute("**/autosave/")
    expect(status).to_have_text(SAVED, timeout=20000)
    assert evidence_of(ret, 0) == "Typed while the portal was down."
