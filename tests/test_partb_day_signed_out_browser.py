"""The Part B session overran: the QA manager's session ended while the room agreed a stage's consensus,
typed on the evidence board at the projector. Record consensus sends them to sign in; once signed in, the
board opens again with what was typed put back (static/js/kept-form.js), and the notice saying so is by
that stage's consensus, in view, not under the last stage at the foot of a board many screens long."""

from io import StringIO

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.models import Audit, AuditStatus, CaseJudgement
from audits.services import partb as services
from tests.fixtures_browser import axe_check, csp_violations, login

SLUG = "bh-cse-2015"
TYPED = "Agreed by the room: the screening tool was not used until the third missing episode."


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_consensus_sent_after_the_session_ended_comes_back_by_its_stage(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    audit = services.audit_transition(user=qa, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)
    case = audit.cases.order_by("order").first()
    board = f"{live_server.url}/audits/{SLUG}/cases/{case.pk}/board/"
    page.set_viewport_size({"width": 1280, "height": 720})
    login(page, live_server, "qa.manager", "demo")
    page.goto(board)
    stage = page.get_by_test_id("consensus").nth(1)  # the second stage's
    stage.get_by_role("combobox", name="Consensus grade").select_option(label="Requires improvement")
    stage.get_by_role("textbox", name="Reasons").fill(TYPED)

    # The idle limit passed while the room talked: the stored session is gone, the browser's cookie is not.
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    SessionStore(session_key=cookie["value"]).delete()
    stage.get_by_role("button", name="Record consensus").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.fill("#id_username", "qa.manager")
    page.fill("#id_password", "demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == board
    assert not CaseJudgement.objects.filter(case=case).exists()  # nothing saved on their behalf

    stage = page.get_by_test_id("consensus").nth(1)
    expect(stage.get_by_role("textbox", name="Reasons")).to_have_value(TYPED)
    notice = page.get_by_test_id("kept-form-notice")
    expect(notice).to_have_text(
        "What you typed before you were signed out has been put back: check it, then send it again."
    )
    expect(stage.get_by_test_id("kept-form-notice")).to_have_count(1)  # by the stage's fields
    expect(notice).to_be_in_viewport()
    axe_check(page)

    stage.get_by_role("button", name="Record consensus").click()
    expect(page.get_by_text("Consensus judgement recorded for")).to_be_visible()
    assert CaseJudgement.objects.get(case=case).reasons == TYPED
    assert not csp_violations(browser_console), browser_console
