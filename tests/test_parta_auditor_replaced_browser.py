"""Another auditor is named for the agency while its former auditor types in a return: the page says why it
can no longer save, and that what they typed is still on the page to copy."""

import pytest
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.models import AuditAgency, PartAReturn
from tests.demo_support import demo_police_return
from tests.fixtures_browser import csp_violations, login


@pytest.mark.browser
def test_a_replaced_auditor_is_told_why_and_that_their_text_is_still_there(
    transactional_db, settings, live_server, page: Page, browser_console
):
    ret = demo_police_return(settings)
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/returns/{ret.pk}/")

    # The QA manager names the police's other member of staff while the page is open.
    AuditAgency.objects.filter(audit=ret.audit, agency=ret.agency).update(
        auditor=User.objects.get(username="lead.officer")
    )
    evidence = page.locator("fieldset.standard").nth(0).get_by_label("Evidence", exact=True)
    evidence.fill("Typed after another auditor was named.")
    page.keyboard.press("Tab")

    expect(page.get_by_test_id("autosave-status")).to_have_text(
        "Not saved — you cannot change this return", timeout=15000
    )
    blocked = page.locator("#parta-blocked")
    expect(blocked).to_contain_text("you are not the named auditor for this return any more")
    expect(blocked).to_contain_text("What you typed since the last save is still on this page")
    expect(evidence).to_have_value("Typed after another auditor was named.")
    assert PartAReturn.objects.get(pk=ret.pk).version == ret.version  # nothing saved
    assert not csp_violations(browser_console), browser_console
