"""Signing in with the keyboard only, in Chromium: a person who used the sign-in page's skip link (its
address then ends #main, which the browser keeps through the redirects after the password) still finds
the focus in the two-factor page's code field, as without it, ready to type (WCAG 2.4.3). Browsers skip
autofocus on a page opened at a fragment."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from agencies.models import User
from tests.fixtures_browser import axe_check, csp_violations, tab_to


@pytest.mark.browser
@override_settings(DEMO=True, MFA_REQUIRED=True)
def test_the_code_field_has_the_focus_after_the_skip_link(transactional_db, live_server, page: Page, browser_console):
    call_command("load_demo", stdout=StringIO())
    device = TOTPDevice.objects.create(user=User.objects.get(username="auditor.police"), name="app", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/")

    # The skip link (back from the username, which has the focus first), as a keyboard user may; then the
    # username, the password and Enter.
    expect(page.locator("#id_username")).to_be_focused()
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.matches('.skip-link')"):
            break
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main"), page.url
    tab_to(page, "#id_username")
    page.keyboard.type("auditor.police")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    with page.expect_navigation(url=re.compile(r"/accounts/two-factor/")):
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    assert page.url.endswith("#main"), page.url  # what the browser kept: the page is opened at <main>
    code = page.get_by_role("textbox", name="Code")
    expect(code).to_be_focused()
    axe_check(page)

    # A wrong code: the page again, the focus in the field again, with the error.
    page.keyboard.type("000000" if f"{totp(device.bin_key):06d}" != "000000" else "111111")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    expect(code).to_be_focused()

    # The right one signs in (after the few seconds a wrong code makes the next wait: django-otp's throttle).
    page.wait_for_timeout(2500)
    page.keyboard.press("Control+a")  # the wrong code is kept in the field: typed over
    page.keyboard.type(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/audits/my-returns/"))
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True, MFA_REQUIRED=True)
def test_the_set_up_pages_code_field_has_the_focus_after_the_skip_link(
    transactional_db, live_server, page: Page, browser_console
):
    """A first sign-in (no authenticator app yet) goes on to set one up: its code field too."""
    call_command("load_demo", stdout=StringIO())
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.matches('.skip-link')"):
            break
    page.keyboard.press("Enter")
    tab_to(page, "#id_username")
    page.keyboard.type("auditor.police")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    with page.expect_navigation(url=re.compile(r"/accounts/two-factor/setup/")):
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    assert page.url.endswith("#main"), page.url
    expect(page.get_by_role("textbox", name="Code")).to_be_focused()
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
