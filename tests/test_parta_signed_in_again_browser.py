"""Save draft pressed after the session ended: the sign-in page, then back to the return, where what was typed
is put back (kept-form.js). Part A's page saves it by itself, as if just typed: nobody saved it, and the page
used to show it under "Saved …" while it was on the page only, and lost when the page was left."""

import re

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from playwright.sync_api import Page, expect

from audits.models import PartAReturn, ReturnStatus
from audits.selectors.parta import evidence_field, return_state, tool_layout
from tests.demo_support import demo_police_return
from tests.fixtures_browser import csp_violations, login

TYPED = "Typed as the session ended, and saved once signed in again."


def evidence_of(ret: PartAReturn, index: int) -> str:
    layout = tool_layout(ret.tool_version)
    return return_state(PartAReturn.objects.get(pk=ret.pk), layout)[evidence_field(layout.standards[index].pk)]


def end_the_session(page: Page) -> None:
    """What the idle limit does: the stored session is gone, the browser's cookie is not."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    SessionStore(session_key=cookie["value"]).delete()


@pytest.mark.browser
def test_answers_put_back_after_signing_in_again_are_saved(
    transactional_db, settings, live_server, page: Page, browser_console
):
    ret = demo_police_return(settings)
    assert ret.status == ReturnStatus.NOT_STARTED
    login(page, live_server, "auditor.police", "demo")
    url = f"{live_server.url}/audits/returns/{ret.pk}/"
    page.goto(url)

    end_the_session(page)
    evidence = page.locator("fieldset.standard").nth(0).get_by_label("Evidence", exact=True)
    evidence.fill(TYPED)
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.fill("#id_username", "auditor.police")
    page.fill("#id_password", "demo")
    with page.expect_navigation():
        page.click("button[type=submit]")

    assert page.url == url
    expect(page.get_by_test_id("kept-form-notice")).to_be_visible()
    expect(evidence).to_have_value(TYPED)
    # Saved by itself, and not offered back from this device as something else to restore.
    expect(page.get_by_test_id("autosave-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"), timeout=15000)
    page.wait_for_function("() => Object.keys(localStorage).every((k) => !k.startsWith('parta:'))", timeout=15000)
    assert evidence_of(ret, 0) == TYPED
    expect(page.locator("#parta-restore")).to_be_hidden()
    assert not csp_violations(browser_console), browser_console
