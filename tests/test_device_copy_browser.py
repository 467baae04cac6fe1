"""Unsaved Part A answers kept in the browser (parta.js's localStorage copy) hold case detail: they are
kept no longer than a session can last, only for the person signed in, and not at all after signing out
(static/js/app.js)."""

import pytest
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.selectors.parta import evidence_field, tool_layout
from tests.fixtures_browser import login
from tests.test_parta_browser import demo, go  # noqa: F401 - demo is a fixture

HOUR_MS = 60 * 60 * 1000

# Three copies, as parta.js writes them: this person's return with an answer typed a minute ago and
# one typed 13 hours ago (past the 12-hour session), another person's, and this person's other return
# typed only 13 hours ago.
PLANT = """([me, other, ret, hour, first, second]) => {
  const now = Date.now();
  const field = (value, ago) => ({value, at: now - ago, base: 1});
  localStorage.setItem(`parta:${me}:${ret}`, JSON.stringify({fields: {
    [first]: field("Typed a minute ago", 60 * 1000),
    [second]: field("Typed yesterday", 13 * hour),
  }}));
  localStorage.setItem(`parta:${me}:99999`, JSON.stringify({fields: {evidence_1: field("Old", 13 * hour)}}));
  localStorage.setItem(`parta:${other}:${ret}`, JSON.stringify({fields: {evidence_1: field("Someone else's", 0)}}));
  localStorage.setItem("unrelated", "kept");
}"""

COPIES = """() => Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith('parta:'))
  .map((k) => [k, Object.keys(JSON.parse(localStorage.getItem(k)).fields).sort()]))"""


@pytest.mark.browser
def test_unsaved_answers_on_the_device_expire_stay_with_their_person_and_go_at_sign_out(
    demo,  # noqa: F811
    live_server,
    page: Page,
    browser_console,
):
    ret = demo
    me = User.objects.get(username="auditor.police").pk
    other = User.objects.get(username="qa.manager").pk
    login(page, live_server, "auditor.police", "demo")
    layout = tool_layout(ret.tool_version)
    first, second = (evidence_field(standard.pk) for standard in layout.standards[:2])
    page.evaluate(PLANT, [me, other, ret.pk, HOUR_MS, first, second])

    go(page, live_server, "/")  # any page of the portal
    assert page.evaluate(COPIES) == {f"parta:{me}:{ret.pk}": [first]}
    assert page.evaluate("() => localStorage.getItem('unrelated')") == "kept"

    # What is left is still offered on the return's page, as before; the answer past the limit is not.
    go(page, live_server, f"/audits/returns/{ret.pk}/")
    expect(page.locator("#parta-restore")).to_be_visible()
    expect(page.locator("#parta-restore-text")).to_contain_text("This device holds an answer you typed at")
    assert page.evaluate(COPIES) == {f"parta:{me}:{ret.pk}": [first]}

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate(COPIES) == {}
    assert page.evaluate("() => localStorage.getItem('unrelated')") == "kept"


@pytest.mark.browser
def test_the_sign_in_page_drops_copies_past_the_session_limit(demo, live_server, page: Page, settings):  # noqa: F811
    """Someone who walked away without signing out: the next page this browser opens, even the sign-in
    page, drops what has outlived the longest session (settings.SESSION_ABSOLUTE_SECONDS)."""
    settings.SESSION_ABSOLUTE_SECONDS = 2 * 60 * 60
    go(page, live_server, "/accounts/login/")
    page.evaluate(PLANT, [1, 2, 3, HOUR_MS, "evidence_1", "evidence_2"])
    page.evaluate(
        """() => localStorage.setItem('parta:1:4', JSON.stringify({fields: {
             evidence_1: {value: 'Three hours ago', at: Date.now() - 3 * 3600 * 1000, base: 1},
             evidence_2: {value: 'An hour ago', at: Date.now() - 3600 * 1000, base: 1}}}))"""
    )
    page.reload()
    # Nobody is signed in: nobody's copies are taken for someone else's; only age removes them.
    assert page.evaluate(COPIES) == {
        "parta:1:3": ["evidence_1"],
        "parta:1:4": ["evidence_2"],
        "parta:2:3": ["evidence_1"],
    }


@pytest.mark.browser
def test_a_sign_out_the_person_stays_from_keeps_their_copy(demo, live_server, page: Page):  # noqa: F811
    """Offline with unsaved answers, the browser asks before leaving (parta.js): who stays keeps the copy."""
    ret = demo
    me = User.objects.get(username="auditor.police").pk
    login(page, live_server, "auditor.police", "demo")
    layout = tool_layout(ret.tool_version)
    first, second = (evidence_field(standard.pk) for standard in layout.standards[:2])
    other = User.objects.get(username="qa.manager").pk
    page.evaluate(PLANT, [me, other, ret.pk, HOUR_MS, first, second])
    go(page, live_server, f"/audits/returns/{ret.pk}/")
    assert page.evaluate(COPIES) == {f"parta:{me}:{ret.pk}": [first]}
    # The sign-out is sent, then not followed through (as when "Stay on page" is chosen): the page stays.
    page.evaluate(
        """() => {
          document.addEventListener("submit", (event) => event.preventDefault());
          const form = document.querySelector(`form[action="${document.body.dataset.signOutUrl}"]`);
          form.requestSubmit();
        }"""
    )
    assert page.evaluate(COPIES) == {f"parta:{me}:{ret.pk}": [first]}
    # Still signed in, they go on to another page without typing: the copy stays.
    go(page, live_server, "/audits/my-returns/")
    assert page.evaluate(COPIES) == {f"parta:{me}:{ret.pk}": [first]}
    # Signing out for real removes it on the page it leads to.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate(COPIES) == {}
