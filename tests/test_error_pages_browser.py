"""In Chromium: the error pages people meet most (a 404 for whatever they may not see, and the
form that went out of date when they signed in again in another tab) pass axe-core and break no
Content-Security-Policy rule."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from audits.models import PartAReturn
from tests.fixtures_browser import axe_check, csp_violations, login

PASSWORD = "correct horse battery staple"


@pytest.mark.browser
def test_not_found_and_out_of_date_form_pages(
    transactional_db, live_server, page: Page, browser_console, audit, auditor, other_auditor
):
    # Signed out: an address that does not exist.
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    axe_check(page)

    # The login form, left open while the person signs in in another tab: its token is out of date.
    page.goto(f"{live_server.url}{reverse('login')}")
    other_tab = page.context.new_page()
    login(other_tab, live_server, auditor.username, PASSWORD)
    other_tab.close()
    page.fill("#id_username", auditor.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation() as navigation:
        page.click("button[type=submit]")
    assert navigation.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This form was out of date")
    expect(page.get_by_text("Go back, reload the page, and send it again.", exact=False)).to_be_visible()
    axe_check(page)

    # Signed in: another agency's return is answered as if it did not exist, in the portal's page.
    theirs = PartAReturn.objects.filter(audit=audit, agency=other_auditor.agency).first()
    response = page.goto(f"{live_server.url}{reverse('audits:return_detail', args=[theirs.pk])}")
    assert response.status == 404
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page)

    assert csp_violations(browser_console) == []
