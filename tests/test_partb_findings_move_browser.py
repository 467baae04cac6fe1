"""Moving a finding up or down on the findings page, in Chromium: the result, or the refusal, is said in
a status region by the list the person was working in (read out by a screen reader), not at the top of
the page, and the focus is back on the button pressed, at the finding moved. Without JavaScript the
messages stay at the top of the page, as on every page."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect

from audits.models import Audit, Finding, FindingKind
from tests.fixtures_browser import axe_check, csp_violations, login

DUDLEY = "dudley-cse-2017"  # in Reporting: its findings are still edited


def order(audit: Audit, kind: str) -> list[int]:
    return list(Finding.objects.filter(audit=audit, kind=kind).order_by("order", "pk").values_list("pk", flat=True))


def longest_list(audit: Audit) -> str:
    """A kind of finding (not one listed by agency) with three findings or more."""
    kinds = [k for k in FindingKind if k not in (FindingKind.AGENCY_STRENGTH, FindingKind.AGENCY_IMPROVEMENT)]
    kind = max(kinds, key=lambda k: len(order(audit, k)))
    assert len(order(audit, kind)) >= 3, "the demo audit has a list of three findings"
    return kind


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_move_is_said_by_its_list(transactional_db, live_server, page: Page, browser_console):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    kind = longest_list(audit)
    label = FindingKind(kind).label
    second = order(audit, kind)[1]
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{DUDLEY}/findings/")
    expect(page).to_have_title(re.compile(r"^Findings"))

    # By keyboard: the second finding's "up", pressed with Enter.
    page.locator(f"#finding-{second}").get_by_role("button", name="Move item 2 up").press("Enter")
    page.wait_for_url(f"**#finding-{second}")
    assert order(audit, kind)[0] == second
    status = page.locator(f"#status-{kind}")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text(f"Moved to place 1 in {label}.")
    expect(status).to_be_in_viewport()
    expect(page.locator("main > .messages")).to_have_count(0)  # not at the top of the page too
    # Back on the finding moved: first now, its "up" is off, so the focus is on its "down".
    expect(page.locator(f"#finding-{second}").get_by_role("button", name="Move item 1 down")).to_be_focused()
    # Another list says nothing.
    assert page.locator("[data-list-status]").filter(has_text="Moved").count() == 1
    axe_check(page)

    # The list changed in another tab meanwhile: the refusal is said by the list too.
    first, *rest = order(audit, kind)
    for place, pk in enumerate([rest[-1], first, *rest[:-1]]):  # the last one moved to the top elsewhere
        Finding.objects.filter(pk=pk).update(order=place)
    page.locator(f"#finding-{first}").get_by_role("button", name="Move item 1 down").press("Enter")
    page.wait_for_url(f"**#finding-{first}")
    expect(status).to_contain_text("The list had changed since you opened the page: nothing was moved.")
    expect(status).to_be_in_viewport()
    expect(page.locator("main > .messages")).to_have_count(0)
    expect(page.locator(f"#finding-{first}").get_by_role("button", name="Move item 2 down")).to_be_focused()
    axe_check(page)

    # A finding saved from its edit page: the confirmation is by its list as well (the focus left alone).
    page.locator(f"#finding-{first}").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name=re.compile("^Save")).click()
    page.wait_for_url(f"**#finding-{first}")
    expect(status).to_have_text("Finding saved.")
    assert page.evaluate("() => document.activeElement.getAttribute('name')") != "direction"
    assert not csp_violations(browser_console)


@pytest.mark.browser
@override_settings(DEMO=True)
def test_without_javascript_the_message_stays_at_the_top(transactional_db, live_server, browser: Browser):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    kind = longest_list(audit)
    second = order(audit, kind)[1]
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        login(page, live_server, "qa.manager", "demo")
        page.goto(f"{live_server.url}/audits/{DUDLEY}/findings/")
        page.locator(f"#finding-{second}").get_by_role("button", name="Move item 2 up").click()
        page.wait_for_url(f"**#finding-{second}")
        assert order(audit, kind)[0] == second
        expect(page.locator("main > .messages")).to_have_text(f"Moved to place 1 in {FindingKind(kind).label}.")
        expect(page.locator(f"#status-{kind}")).to_be_empty()
    finally:
        context.close()
