"""Load the demo, then sign in as each demo user in Chromium and land on that role's home page."""

from io import StringIO
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from tests.fixtures_browser import axe_check, csp_violations, login

HOME_PAGES = {
    "qa.manager": "/audits/",
    "lead.officer": "/audits/",
    "auditor.police": "/audits/my-returns/",
    "auditor.socialcare": "/audits/my-returns/",
    "auditor.health": "/audits/my-returns/",
    "manager": "/briefings/",
    "practitioner": "/briefings/",
    "admin": "/",  # the administration page
}


def path_of(page: Page) -> str:
    return urlparse(page.url).path


@pytest.mark.browser
@override_settings(DEMO=True)
def test_each_demo_user_signs_in_and_lands_on_their_home_page(
    transactional_db, live_server, page, browser_console, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    out = StringIO()
    call_command("load_demo", stdout=out)
    # Dudley's practitioners' briefing is published, and its PDF rendered on commit.
    assert "Published Child sexual exploitation: learning briefing for practitioners" in out.getvalue()
    assert "its PDF is rendered" in out.getvalue()

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Demo users (password: demo)")).to_be_visible()
    listed = page.get_by_role("region", name="Demo users (password: demo)").locator("code").all_inner_texts()
    assert listed == list(HOME_PAGES), "the login page lists every demo user"
    # The app's own icon, so the browser does not ask for a /favicon.ico that is not there.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(f"{live_server.url}{icon}").ok
    axe_check(page)

    for username, home in HOME_PAGES.items():
        page.context.clear_cookies()
        login(page, live_server, username, "demo")
        assert path_of(page) == home, f"{username} landed on {page.url}"
        expect(page.locator("h1")).to_be_visible()

        if username == "auditor.police":
            # The demo gives this auditor returns to work on: Case 1 not started, Case 2 in draft.
            rows = page.locator("table tbody tr")
            expect(rows.filter(has_text="Case 1").filter(has_text="Not started")).to_have_count(1)
            expect(rows.filter(has_text="Case 2").filter(has_text="Draft")).to_have_count(1)
            axe_check(page)
        if username == "qa.manager":
            expect(page.get_by_text("Child Sexual Exploitation multi-agency audit 2014/15")).to_be_visible()
            # The audits list: current audits apart from closed ones, with a filter.
            expect(page.get_by_role("heading", name="Current audits")).to_be_visible()
            expect(page.get_by_role("search", name="Find an audit")).to_be_visible()
            axe_check(page)
        if username in ("manager", "practitioner"):
            # Their library has the demo's published briefing from the first sign-in, ready to download.
            row = page.get_by_test_id("library-row").filter(has_text="learning briefing for practitioners")
            expect(row).to_have_count(1)
            axe_check(page)  # before the click: axe would catch the button mid-way through its hover transition
            with page.expect_download() as download:
                row.get_by_test_id("download-latest").click()
            assert download.value.suggested_filename == "dudley-cse-2017-practitioners-v1.pdf"
            assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
        if username == "admin":
            expect(page.get_by_role("heading", name="Administration")).to_be_visible()
            expect(page.get_by_text("Child Sexual Exploitation multi-agency audit")).to_have_count(0)

    page.context.clear_cookies()
    login(page, live_server, "auditor.police", "not the password")
    assert path_of(page) == "/accounts/login/"

    assert not csp_violations(browser_console), browser_console
