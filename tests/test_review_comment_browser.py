"""The review page in Chromium: a comment for the auditor with a possible identifier is refused with
the text kept, the flagged detail marked next to the box and a box to tick; ticked, it is sent."""

import pytest
from playwright.sync_api import Page, expect

from audits.models import PartAReturn, ReturnStatus
from audits.tests.partb_support import complete_return
from tests.demo_support import demo_police_return
from tests.fixtures_browser import axe_check, csp_violations, login

COMMENT = "Please take out the NHS number 943 476 5919 from R1."


@pytest.fixture
def submitted(transactional_db, settings):
    ret = demo_police_return(settings)
    complete_return(ret)
    return ret


@pytest.mark.browser
def test_a_flagged_comment_is_kept_marked_and_sent_once_confirmed(submitted, live_server, page: Page, browser_console):
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/returns/{submitted.pk}/review/")
    panel = page.get_by_test_id("review-panel")
    expect(panel.get_by_label("I confirm the flagged details are not information about the child")).to_have_count(0)
    panel.get_by_label("Comment for the auditor").fill(COMMENT)
    with page.expect_navigation():
        panel.get_by_role("button", name="Return for amendment").click()

    panel = page.get_by_test_id("review-panel")
    box = panel.get_by_label("Comment for the auditor")
    expect(box).to_have_value(COMMENT)
    expect(box).to_have_accessible_description(
        "“943 476 5919” looks like an NHS number. Remove it, or confirm that it is not information about the child."
    )
    confirm = panel.get_by_label("I confirm the flagged details are not information about the child")
    expect(confirm).not_to_be_checked()
    assert PartAReturn.objects.get(pk=submitted.pk).status == ReturnStatus.SUBMITTED
    axe_check(page)

    confirm.check()
    with page.expect_navigation():
        panel.get_by_role("button", name="Return for amendment").click()
    expect(page.get_by_text("Returned to the auditor for amendment")).to_be_visible()
    saved = PartAReturn.objects.get(pk=submitted.pk)
    assert (saved.status, saved.amendment_comment) == (ReturnStatus.RETURNED, COMMENT)

    assert not csp_violations(browser_console), browser_console
