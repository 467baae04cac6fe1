"""The audit's tool is changed while its auditor has a return open (and the former tool version perhaps deleted
since: an unused version can be deleted in the admin). The page's autosave is told what happened (not 'Unknown
fields', even with the former version gone), and after reloading, the answers kept on this device to the standards
gone are listed to copy, as the page named them, until the person discards them, instead of being dropped from the
device unseen."""

import json

import pytest
from playwright.sync_api import Page, expect

from audits.models import Audit, PartAReturn, ToolVersion
from audits.services.tools import tool_version_copy
from tests.demo_support import demo_police_return
from tests.fixtures_browser import axe_check, csp_violations, login

PANEL = "Answers kept on this device to standards no longer in this return's tool"
TOOL_CHANGED_STATUS = "Not saved — this return's standards have changed: reload the page"


def give_the_audit_a_copy_of_its_tool(ret: PartAReturn) -> int:
    """What Planning does when the audit is given another tool version (audits.admin.AuditAdmin.save_model): its
    returns nobody has started follow it. Returns the version they had."""
    former = PartAReturn.objects.get(pk=ret.pk).tool_version
    copy = tool_version_copy(version=former, user=None)
    Audit.objects.filter(pk=ret.audit_id).update(tool_version=copy)
    PartAReturn.objects.filter(audit_id=ret.audit_id, status="not_started").update(tool_version=copy)
    return former.pk


def switch_tool_and_delete_the_former(ret: PartAReturn) -> None:
    """The audit given another tool version, then the former one, used by nothing any more, deleted (as the
    admin may delete a version nothing uses)."""
    ToolVersion.objects.filter(pk=give_the_audit_a_copy_of_its_tool(ret)).delete()


def device_copy(page: Page, ret: PartAReturn) -> dict:
    keys = page.evaluate("() => Object.keys(localStorage).filter((key) => key.startsWith('parta:'))")
    key = next((k for k in keys if k.endswith(f":{ret.pk}")), None)
    return json.loads(page.evaluate("(key) => localStorage.getItem(key)", key) or "{}") if key else {}


@pytest.mark.browser
@pytest.mark.parametrize("former_deleted", [False, True], ids=["former-kept", "former-deleted"])
def test_answers_to_standards_gone_are_kept_on_the_device_and_listed_after_reloading(
    transactional_db, settings, live_server, page: Page, browser_console, former_deleted
):
    ret = demo_police_return(settings)
    # The demo's returns already started keep the demo's tool version: the return is given a version of its own
    # first, which nothing else uses, to be deleted once the audit has another.
    give_the_audit_a_copy_of_its_tool(ret)
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/returns/{ret.pk}/")
    first, second = page.locator("fieldset.standard").nth(0), page.locator("fieldset.standard").nth(1)
    first_code = first.locator(".standard-code").inner_text()
    second_code = second.locator(".standard-code").inner_text()
    evidence = first.get_by_label("Evidence", exact=True)
    old_name = evidence.get_attribute("name")
    grade = second.locator("select")
    grade_label = grade.locator("option").nth(1).inner_text().strip()

    if former_deleted:
        switch_tool_and_delete_the_former(ret)
    else:
        give_the_audit_a_copy_of_its_tool(ret)
    evidence.fill("Typed after the tool was changed.\nSecond line.")
    grade.select_option(index=1)
    page.keyboard.press("Tab")
    # Said in plain words, not "Unknown fields: s1-evidence", even when the former version is gone, standards and
    # all.
    status = page.get_by_test_id("autosave-status")
    expect(status).to_have_text(TOOL_CHANGED_STATUS, timeout=15000)
    expect(page.locator("#parta-blocked")).to_contain_text("this return's audit tool was changed after you opened")
    assert PartAReturn.objects.get(pk=ret.pk).version == ret.version  # nothing saved

    page.reload()
    assert page.locator(f'[name="{old_name}"]').count() == 0  # the current standards
    panel = page.get_by_role("region", name=PANEL)
    expect(panel).to_be_visible()
    # Each answer as the page named it then (its standard's code and wording), with what was typed or chosen.
    expect(panel.locator("dt").nth(0)).to_contain_text(f"{first_code} Evidence")
    expect(panel.locator("dd").nth(0)).to_have_text("Typed after the tool was changed.\nSecond line.")
    expect(panel.locator("dt").nth(1)).to_contain_text(f"{second_code} Grade")
    expect(panel.locator("dd").nth(1)).to_have_text(grade_label)
    assert old_name in device_copy(page, ret)["fields"]
    axe_check(page)

    # Reloaded again, still there: kept until the person says they have copied them.
    page.reload()
    panel = page.get_by_role("region", name=PANEL)
    expect(panel).to_contain_text("Typed after the tool was changed.")

    panel.get_by_role("button", name="Discard them (I have copied what I need)").click()
    expect(panel).to_be_hidden()
    expect(status).to_have_text(
        "Discarded the 2 answers kept on this device to standards no longer in this return's tool"
    )
    expect(page.locator("h1")).to_be_focused()
    assert old_name not in device_copy(page, ret).get("fields", {})
    page.reload()
    expect(page.locator("#parta-kept-gone")).to_be_hidden()
    assert not csp_violations(browser_console), browser_console
