"""The Part B session day: the QA manager at the projector types the room's consensus on an evidence
board while the lead officer takes notes on their own laptop. Leaving a Part B page with something typed
and not saved (the next case, another tab of the menu) asks first (static/js/partb.js), as the briefing
composer does, instead of dropping what the room agreed unseen."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect

from agencies.models import User
from audits.models import Audit, AuditStatus, CaseJudgement
from audits.services import partb as services
from tests.fixtures_browser import csp_violations, login

SLUG = "bh-cse-2015"


def leaving_asks(page: Page) -> bool:
    """Whether the page's beforeunload guard would ask before leaving (a real dialog is the browser's)."""
    return page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; }"
    )


def part_b_audit() -> Audit:
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    return services.audit_transition(user=qa, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)


@pytest.mark.browser
@override_settings(DEMO=True)
def test_leaving_a_board_with_a_consensus_typed_and_not_recorded_asks_first(
    transactional_db, live_server, page: Page, browser: Browser, browser_console
):
    audit = part_b_audit()
    case = audit.cases.order_by("order").first()
    stage = audit.tool_version.sections.order_by("order").first()
    board = f"{live_server.url}/audits/{SLUG}/cases/{case.pk}/board/"
    login(page, live_server, "qa.manager", "demo")
    page.goto(board)
    assert not leaving_asks(page)  # nothing typed: the next case opens at once

    reasons = page.get_by_role("textbox", name="Reasons").first
    reasons.fill("Recognised on the day by police and social care; the screening tool was not used.")
    assert leaving_asks(page)
    reasons.fill("")
    assert not leaving_asks(page)  # typed and rubbed out: nothing to lose
    page.get_by_role("combobox", name="Consensus grade").first.select_option(label="Requires improvement")
    assert leaving_asks(page)
    page.get_by_role("textbox", name="Reasons").first.fill("Agreed by the room.")

    # The lead officer, on their own laptop, records the same stage first.
    other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    try:
        lead = other.new_page()
        login(lead, live_server, "lead.officer", "demo")
        lead.goto(board)
        lead.get_by_role("combobox", name="Consensus grade").first.select_option(label="Good")
        lead.get_by_role("textbox", name="Reasons").first.fill("The lead officer's note.")
        assert leaving_asks(lead)
        lead.get_by_role("button", name="Record consensus").first.click()
        expect(lead.get_by_text("Consensus judgement recorded for")).to_be_visible()
        assert not leaving_asks(lead)  # recorded: nothing to lose
    finally:
        other.close()

    # The projector's save is refused, with what was typed kept: leaving still asks, as it is not recorded.
    page.get_by_role("button", name="Record consensus").first.click()
    expect(page.get_by_test_id("consensus-unsaved").first).to_be_visible()
    expect(page.get_by_role("textbox", name="Reasons").first).to_have_value("Agreed by the room.")
    assert leaving_asks(page)
    judgement = CaseJudgement.objects.get(case=case, section=stage)
    assert judgement.reasons == "The lead officer's note."

    # Replacing theirs on purpose records it, and then the next case opens without asking.
    page.get_by_label("Replace their judgement with mine").first.check()
    page.get_by_role("button", name="Update consensus").first.click()
    expect(page.get_by_text("Consensus judgement recorded for")).to_be_visible()
    judgement.refresh_from_db()
    assert judgement.reasons == "Agreed by the room."
    assert not leaving_asks(page)
    assert not csp_violations(browser_console)


@pytest.mark.browser
@override_settings(DEMO=True)
def test_leaving_the_session_notes_or_a_recommendation_typed_and_not_saved_asks_first(
    transactional_db, live_server, page: Page, browser_console
):
    part_b_audit()
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{SLUG}/session/")
    page.get_by_role("textbox", name="Notes").fill("Case 3: the school nurse to check the health record.")
    assert leaving_asks(page)
    page.get_by_role("button", name="Save session details and attendance").click()
    expect(page.get_by_text("Session saved.")).to_be_visible()
    assert not leaving_asks(page)

    page.goto(f"{live_server.url}/audits/{SLUG}/recommendations/")
    assert not leaving_asks(page)
    adding = page.get_by_test_id("recommendation-form")
    adding.get_by_role("textbox", name="Recommendation").fill("Use the screening tool at first contact.")
    assert leaving_asks(page)
    # Refused (no owner, no due date): shown again with what was typed, which is still not saved.
    page.get_by_role("button", name="Add recommendation").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.get_by_test_id("recommendation-form").get_by_role("textbox", name="Recommendation")).to_have_value(
        "Use the screening tool at first contact."
    )
    assert leaving_asks(page)
    assert not csp_violations(browser_console)
