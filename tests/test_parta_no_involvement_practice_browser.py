"""'No involvement' ticked hides what an agency that had none is not asked for: the standards, and also its
practice in the case (strengths, areas for improvement, risk factors seen, overall grade: Part B reads none of
them for such an agency) and the count of standards answered, which a first-time auditor otherwise read as
still to be done. A possible identifier in the hidden practice is pointed to, as one in the standards is."""

import pytest
from playwright.sync_api import Page, expect

from audits.models import PartAReturn, ReturnStatus
from tests.demo_support import demo_police_return
from tests.fixtures_browser import axe_check, csp_violations, login

NO_INVOLVEMENT = "My agency had no involvement with this case"


@pytest.mark.browser
def test_no_involvement_hides_the_practice_and_the_count_of_standards(
    transactional_db, settings, live_server, page: Page, browser_console
):
    ret = demo_police_return(settings)
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/returns/{ret.pk}/")
    practice = page.get_by_role("heading", name="Your agency's practice in this case")
    progress = page.get_by_text("Standards answered")
    note = page.get_by_test_id("hidden-flags")
    expect(practice).to_be_visible()
    expect(progress).to_be_visible()

    page.get_by_label("Strengths").fill("Call to 07700 900123 answered at once")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("autosave-status")).to_contain_text("flagged", timeout=15000)
    expect(note).to_be_hidden()

    page.get_by_label(NO_INVOLVEMENT).check()
    expect(page.locator("fieldset.standard").first).to_be_hidden()
    expect(practice).to_be_hidden()
    expect(page.get_by_label("Overall grade for my agency's practice")).to_be_hidden()
    expect(progress).to_be_hidden()
    expect(note).to_be_visible()  # the flagged strengths, out of sight, are pointed to
    axe_check(page)

    page.get_by_label(NO_INVOLVEMENT).uncheck()
    expect(practice).to_be_visible()
    expect(progress).to_be_visible()
    expect(note).to_be_hidden()

    # Ticked again with a reason, the strengths emptied: submitted with nothing more asked for.
    page.get_by_label("Strengths").fill("")
    page.get_by_label(NO_INVOLVEMENT).check()
    page.get_by_label("Reason for no involvement").fill("The young person was not known to the service.")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit return").click()
    expect(page.get_by_text("Return submitted.")).to_be_visible()
    assert PartAReturn.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED
    assert not csp_violations(browser_console), browser_console
