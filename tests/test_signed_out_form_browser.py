"""A form sent after the session ended: the sign-in page says what happened, and signing in goes back
to the page, with what was typed put back (static/js/kept-form.js), not to a 405 on the POST address."""

from io import StringIO

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from audits.models import Audit, Finding
from tests.fixtures_browser import axe_check, csp_violations, login

TYPED = "Typed before the session ended, and not lost."


def end_the_session(page: Page) -> None:
    """What the idle limit does: the stored session is gone, the browser's cookie is not."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    SessionStore(session_key=cookie["value"]).delete()


def typed_into_a_finding(page: Page, live_server) -> tuple[Finding, str]:
    """The demo, the QA manager signed in on a Dudley finding's page with TYPED in its text box (not sent)."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug="dudley-cse-2017")
    finding = Finding.objects.filter(audit=audit).exclude(body="").order_by("kind", "order").first()
    url = f"{live_server.url}/audits/{audit.slug}/findings/{finding.pk}/"
    login(page, live_server, "qa.manager", "demo")
    page.goto(url)
    page.get_by_role("textbox", name="Text", exact=True).fill(TYPED)
    return finding, url


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_form_sent_after_the_session_ended_comes_back_with_what_was_typed(
    transactional_db, live_server, page: Page, browser_console
):
    finding, url = typed_into_a_finding(page, live_server)
    before = finding.body

    end_the_session(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("You were signed out, so what you sent was not saved.")
    axe_check(page)
    page.fill("#id_username", "qa.manager")
    page.fill("#id_password", "demo")
    with page.expect_navigation():
        page.click("button[type=submit]")

    assert page.url == url  # the page the form was on, not the address it posted to
    expect(page.get_by_test_id("kept-form-notice")).to_have_text(
        "What you typed before you were signed out has been put back: check it, then send it again."
    )
    expect(page.get_by_role("textbox", name="Text", exact=True)).to_have_value(TYPED)
    finding.refresh_from_db()
    assert finding.body == before  # nothing was saved on their behalf
    axe_check(page)

    # Sent again, it is saved; the next page shows nothing kept.
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    finding.refresh_from_db()
    assert finding.body == TYPED
    page.goto(url)
    expect(page.get_by_test_id("kept-form-notice")).to_have_count(0)
    assert page.evaluate("sessionStorage.getItem('auditportal.sentForm')") is None
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_signing_in_normally_puts_nothing_back(transactional_db, live_server, page: Page, browser_console):
    finding, url = typed_into_a_finding(page, live_server)
    page.get_by_role("button", name="Save").click()  # saved: the session is alive
    page.wait_for_load_state()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/accounts/login/?next={url.removeprefix(live_server.url)}")
    page.fill("#id_username", "qa.manager")
    page.fill("#id_password", "demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == url
    expect(page.get_by_test_id("kept-form-notice")).to_have_count(0)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_someone_else_signing_in_at_the_same_tab_gets_nothing_back(
    transactional_db, live_server, page: Page, browser_console
):
    """The QA manager's session ends with text typed; the audit's lead officer signs in at the same tab
    and is taken to the same page, which they may edit too: the QA manager's text is not put back."""
    _finding, url = typed_into_a_finding(page, live_server)
    end_the_session(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.fill("#id_username", "dudley.lead")
    page.fill("#id_password", "demo")
    with page.expect_navigation():
        page.click("button[type=submit]")

    assert page.url == url
    expect(page.get_by_test_id("kept-form-notice")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Text", exact=True)).not_to_have_value(TYPED)
    assert page.evaluate("sessionStorage.getItem('auditportal.sentForm')") is None
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_a_sign_in_page_left_open_drops_what_was_kept_once_it_could_no_longer_come_back(
    transactional_db, live_server, page: Page
):
    """Someone walked away from the sign-in page after their session ended: what they had typed does not
    stay in the tab past the 30 minutes in which it could be put back."""
    page.goto(f"{live_server.url}/accounts/login/")
    stale = "JSON.stringify({person: '1', page: '/x/', at: Date.now() - 31 * 60 * 1000, fields: [['t', 'x']]})"
    page.evaluate(f"sessionStorage.setItem('auditportal.sentForm', {stale})")
    page.reload()
    assert page.evaluate("sessionStorage.getItem('auditportal.sentForm')") is None
    # One still in its time stays, for the person signing in now, and goes when its time is up.
    fresh = "JSON.stringify({person: '1', page: '/x/', at: Date.now() - 30 * 60 * 1000 + 4000, fields: []})"
    page.evaluate(f"sessionStorage.setItem('auditportal.sentForm', {fresh})")
    page.reload()
    assert page.evaluate("sessionStorage.getItem('auditportal.sentForm')") is not None
    page.wait_for_timeout(5000)  # (wait_for_function evaluates a string, which the CSP refuses)
    assert page.evaluate("sessionStorage.getItem('auditportal.sentForm')") is None
