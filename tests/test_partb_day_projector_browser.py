"""The Part B session day at the projector: a laptop at 1280 × 720 zoomed to 150 % (853 × 480 CSS pixels),
with or without the board's large type. The consensus grade the room agreed is read in full in its field,
not cut short ("Requires improver"), on every stage and the case overall."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Browser, expect

from agencies.models import User
from audits.models import Audit, AuditStatus
from audits.services import partb as services
from tests.fixtures_browser import ConsoleEntry, axe_check, csp_violations, login

SLUG = "bh-cse-2015"
# The width the chosen grade's text needs, and the room its field leaves for it (inside its padding, which
# holds the arrow).
CLIPPED = """el => {
  const style = getComputedStyle(el);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(el.selectedOptions[0].text).width > room + 0.5;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("large_type", [False, True])
@pytest.mark.parametrize("size", [(853, 480), (1280, 720)])
@override_settings(DEMO=True)
def test_the_consensus_grade_chosen_is_read_in_full_at_the_projector(
    transactional_db, live_server, browser: Browser, browser_console, large_type, size
):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    audit = services.audit_transition(user=qa, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)
    case = audit.cases.order_by("order").first()
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-GB")
    try:
        page = context.new_page()
        page.on("console", lambda message: browser_console.append(ConsoleEntry(message.type, message.text)))
        login(page, live_server, "qa.manager", "demo")
        page.goto(f"{live_server.url}/audits/{SLUG}/cases/{case.pk}/board/")
        if large_type:
            page.get_by_role("button", name="Large type").click()
            expect(page.get_by_role("button", name="Large type")).to_have_attribute("aria-pressed", "true")
        grades = page.get_by_role("combobox", name="Consensus grade")
        assert grades.count() == audit.tool_version.sections.count() + 1  # each stage and the case overall
        longest = max(grades.first.locator("option").all_inner_texts(), key=len)
        assert longest == "Requires improvement"
        for i in range(grades.count()):
            grades.nth(i).select_option(label=longest)
            assert not grades.nth(i).evaluate(CLIPPED), f"the grade of consensus {i + 1} is cut short"
        # The page itself still fits the screen: nothing to scroll sideways but the boards' own regions.
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        if size == (853, 480) and large_type:
            axe_check(page)
    finally:
        context.close()
    assert not csp_violations(browser_console)
