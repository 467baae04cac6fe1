"""The audit's tool is changed (the QA manager chose another tool version for it in Planning) while its auditor
has a return open: the page says what happened and what to do, and what they typed stays on it to copy."""

import pytest
from playwright.sync_api import Page, expect

from audits.models import Audit, PartAReturn
from audits.services.tools import tool_version_copy
from tests.demo_support import demo_police_return
from tests.fixtures_browser import axe_check, csp_violations, login


def switch_tool(ret: PartAReturn) -> None:
    """What Planning does when the audit is given another tool version (audits.admin.AuditAdmin.save_model):
    its returns nobody has started follow it."""
    copy = tool_version_copy(version=ret.tool_version, user=None)
    Audit.objects.filter(pk=ret.audit_id).update(tool_version=copy)
    PartAReturn.objects.filter(audit_id=ret.audit_id, status="not_started").update(tool_version=copy)


@pytest.mark.browser
def test_a_tool_changed_while_typing_is_explained_and_the_text_kept(
    transactional_db, settings, live_server, page: Page, browser_console
):
    ret = demo_police_return(settings)
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/returns/{ret.pk}/")

    switch_tool(ret)
    evidence = page.locator("fieldset.standard").nth(0).get_by_label("Evidence", exact=True)
    evidence.fill("Typed after the tool was changed.")
    page.keyboard.press("Tab")

    # Refused, said in plain words (not "Unknown fields: s1-evidence"), and nothing more is tried from this page.
    status = page.get_by_test_id("autosave-status")
    expect(status).to_have_text("Not saved — this return's standards have changed: reload the page", timeout=15000)
    blocked = page.locator("#parta-blocked")
    expect(blocked).to_be_visible()
    expect(blocked).to_contain_text("this return's audit tool was changed after you opened this page")
    expect(blocked).to_contain_text("copy your answers to the standards, then reload the page")
    expect(evidence).to_have_value("Typed after the tool was changed.")
    assert PartAReturn.objects.get(pk=ret.pk).version == ret.version  # nothing saved
    axe_check(page)

    # Save draft on the same page: nothing saved, and the answer to the standard gone is shown to copy, not lost
    # under 'Draft saved'; the rest of what was typed is on the form of the current standards.
    page.get_by_label("Strengths").fill("Strength typed too.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.locator("main")).to_contain_text("Nothing was saved: this return's audit tool was changed")
    gone = page.get_by_test_id("gone-answers")
    expect(gone).to_contain_text("Typed after the tool was changed.")
    expect(page.get_by_label("Strengths")).to_have_value("Strength typed too.")
    axe_check(page)
    # Kept unsaved on the form of the current standards, then saved from there as usual.
    expect(page.get_by_test_id("autosave-status")).to_contain_text("Saved", timeout=15000)
    assert PartAReturn.objects.get(pk=ret.pk).strengths == "Strength typed too."
    expect(gone).to_be_visible()
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_after_reloading_the_answers_outside_the_standards_are_put_back(
    transactional_db, settings, live_server, page: Page, browser_console
):
    """As the message says: reloaded, the page shows the current standards, and what was typed outside them and
    not saved is put back."""
    ret = demo_police_return(settings)
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/returns/{ret.pk}/")
    old_name = page.locator("fieldset.standard").nth(0).get_by_label("Evidence", exact=True).get_attribute("name")

    switch_tool(ret)
    page.get_by_label("Strengths").fill("Strength typed after the change.")
    page.locator("fieldset.standard").nth(0).get_by_label("Evidence", exact=True).fill("Typed after the change.")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("autosave-status")).to_have_text(
        "Not saved — this return's standards have changed: reload the page", timeout=15000
    )

    page.reload()
    assert page.locator(f'[name="{old_name}"]').count() == 0  # the current standards
    # Put back by the browser's own form restoring (and saved as typed here), or offered back from this device.
    restore = page.locator("#parta-restore")
    if restore.is_visible():
        restore.get_by_role("button", name="Restore them").click()
    expect(page.get_by_label("Strengths")).to_have_value("Strength typed after the change.")
    expect(page.get_by_test_id("autosave-status")).to_contain_text("Saved", timeout=15000)
    assert PartAReturn.objects.get(pk=ret.pk).strengths == "Strength typed after the change."
    assert not csp_violations(browser_console), browser_console
