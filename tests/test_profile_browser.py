"""A manager turns off the new-briefing e-mails on their own profile page in Chromium, reached from the
menu: the page passes axe-core, the choice's explanation is read with it, and no Content-Security-Policy
rule is broken."""

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Role
from agencies.tests.factories import UserFactory
from tests.fixtures_browser import axe_check, csp_violations, login

PASSWORD = "correct horse battery staple"
CHOICE = "E-mail me when a new learning briefing is published"


@pytest.mark.browser
def test_a_reader_turns_off_the_new_briefing_emails(transactional_db, live_server, page: Page, browser_console):
    person = UserFactory(username="sam.manager", role=Role.MANAGER)
    login(page, live_server, "sam.manager", PASSWORD)
    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    box = page.get_by_label(CHOICE)
    expect(box).to_be_checked()
    expect(box).to_have_accessible_description(
        "One e-mail for each learning briefing you may read, when it is first published; not for a corrected "
        "version. As an audit's auditor or lead officer you are told of its briefings anyway."
    )
    axe_check(page)

    box.uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your choices are saved.")
    expect(page.get_by_label(CHOICE)).not_to_be_checked()
    axe_check(page)
    person.refresh_from_db()
    assert person.new_briefing_emails is False
    assert not csp_violations(browser_console), browser_console
