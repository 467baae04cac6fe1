"""A failed sign-in in Chromium, as a screen reader meets it (WCAG 3.3.1, 1.3.1): the error is an alert,
and the field the page puts the cursor in is marked invalid and described by the error."""

import re

import pytest
from playwright.sync_api import Page, expect

from agencies.tests.factories import UserFactory
from tests.fixtures_browser import axe_check, csp_violations, login

WRONG = re.compile(r"Please enter a correct username and password")


@pytest.mark.browser
def test_a_wrong_password_is_announced_where_the_cursor_is(transactional_db, live_server, page: Page, browser_console):
    UserFactory(username="auditor.a")
    login(page, live_server, "auditor.a", "not the password")
    assert page.url.endswith("/accounts/login/")

    expect(page.get_by_role("alert")).to_have_text(WRONG)
    # The page puts the cursor in the username field (below the error): what is read there says why.
    username = page.get_by_role("textbox", name="Username")
    expect(username).to_be_focused()
    for field in (username, page.get_by_label("Password")):
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(WRONG)
    axe_check(page)

    # Putting it right signs in.
    login(page, live_server, "auditor.a", "correct horse battery staple")
    assert not page.url.endswith("/accounts/login/")
    assert not csp_violations(browser_console), browser_console
