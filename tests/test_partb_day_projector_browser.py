"""The Part B session day at the projector: a laptop at 1280 × 720 zoomed to 150 % (853 × 480 CSS pixels),
with or without the board's large type. The consensus grade the room agreed is read in full in its field,
not cut short ("Requires improver"), on every stage and the case overall. When the lead officer, on their own
laptop, records the same consensus a moment earlier, the error summary's link leads to the field with what
it is about in view: their judgement, the warning and "Replace their judgement with mine"."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Browser, Locator, Page, expect

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


PROJECTOR = {"width": 853, "height": 480}


def in_view(page: Page, locator: Locator) -> bool:
    """Wholly inside the window, as the room sees it."""
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"]


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_error_summary_leads_to_the_consensus_with_the_conflict_in_view(
    transactional_db, live_server, browser: Browser, browser_console
):
    """The summary's link went to the grade field as any in-page link does: the field at the very top
    of the window, its label, the other facilitator's judgement, the warning and the box to tick
    ("Replace their judgement with mine", which the summary says to tick) all scrolled off above it."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    services.audit_transition(user=qa, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)
    case = audit.cases.order_by("order").first()
    prefix = f"stage-{audit.tool_version.sections.order_by('order').first().pk}"  # the first stage: Response
    contexts, pages = [], {}
    try:
        for username in ("qa.manager", "lead.officer"):
            contexts.append(browser.new_context(viewport=PROJECTOR, locale="en-GB", reduced_motion="reduce"))
            page = pages[username] = contexts[-1].new_page()
            page.on("console", lambda message: browser_console.append(ConsoleEntry(message.type, message.text)))
            login(page, live_server, username, "demo")
            page.goto(f"{live_server.url}/audits/{SLUG}/cases/{case.pk}/board/")
        # Both facilitators type the same consensus; the lead officer records it first.
        for username, grade, reasons in (
            ("lead.officer", "Good", "Strategy meeting held the next day."),
            ("qa.manager", "Requires improvement", "Strategy meeting held late."),
        ):
            consensus = pages[username].locator(f"#consensus-{prefix}")
            consensus.get_by_label("Consensus grade").select_option(label=grade)
            consensus.get_by_label("Reasons").fill(reasons)
        for username in ("lead.officer", "qa.manager"):
            with pages[username].expect_navigation():
                pages[username].locator(f"#consensus-{prefix}").get_by_role("button", name="Record consensus").click()
        page = pages["qa.manager"]
        summary = page.get_by_test_id("error-summary")
        expect(summary).to_be_focused()
        link = summary.get_by_role("link")
        expect(link).to_contain_text("tick “Replace their judgement with mine”")
        link.click()

        grade = page.locator(f"#id_{prefix}-grade")
        expect(grade).to_be_focused()
        consensus = page.locator(f"#consensus-{prefix}")
        expect(consensus.get_by_label("Reasons")).to_have_value("Strategy meeting held late.")  # kept as typed
        for what in (
            grade,
            consensus.locator(f"label[for=id_{prefix}-grade]"),
            consensus.get_by_test_id("consensus-recorded"),  # the lead officer's judgement
            consensus.get_by_test_id("consensus-unsaved"),
            consensus.get_by_label("Replace their judgement with mine"),
        ):
            assert in_view(page, what), f"{what} is out of view: {what.bounding_box()}"
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        axe_check(page)
    finally:
        for context in contexts:
            context.close()
    assert not csp_violations(browser_console)


SCALE = "(svg) => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width"


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_heatmap_chart_keeps_its_own_size_in_large_type(
    transactional_db, live_server, browser: Browser, browser_console
):
    """The chart shrank to the page with large type as without: at the projector, ten agencies' figures,
    names and steps were drawn at 6.5 px, for nobody round the table to read. In large type it keeps its
    own size (its 12 px text) and scrolls sideways on its own, a tab stop for the arrow keys; the page
    itself does not; without large type it still fits the page."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    services.audit_transition(user=qa, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)
    context = browser.new_context(viewport=PROJECTOR, locale="en-GB")
    try:
        page = context.new_page()
        page.on("console", lambda message: browser_console.append(ConsoleEntry(message.type, message.text)))
        login(page, live_server, "qa.manager", "demo")
        page.goto(f"{live_server.url}/audits/{SLUG}/heatmap/")
        chart = page.get_by_test_id("heatmap-figure").locator("svg.heatmap-svg")
        region = page.get_by_role("region", name="Chart: grades by standard and agency")
        assert chart.evaluate(SCALE) < 0.6  # shrunk to the page: 1,500 px and more of chart in 829
        expect(region).not_to_have_attribute("tabindex", "0")

        page.get_by_role("button", name="Large type").click()
        expect(page.get_by_role("button", name="Large type")).to_have_attribute("aria-pressed", "true")
        assert chart.evaluate(SCALE) >= 1
        expect(region).to_have_attribute("tabindex", "0")
        region.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.activeElement.scrollLeft > 0")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        axe_check(page)

        page.get_by_role("button", name="Large type").click()  # back to the page's width, and no tab stop
        assert chart.evaluate(SCALE) < 0.6
        region.blur()
        expect(region).not_to_have_attribute("tabindex", "0")
    finally:
        context.close()
    assert not csp_violations(browser_console)


# Each text of the region reading as the chart's first row's label, with its place in the region and whether
# it is on top (what the room sees) at its left end, middle and right end.
FIRST_LABEL = """(region) => {
  const label = region.querySelector("svg.heatmap-svg g > text").textContent;
  const box = region.getBoundingClientRect();
  return [...region.querySelectorAll("text")].filter((t) => t.textContent === label).map((t) => {
    const r = t.getBoundingClientRect();
    const y = r.top + r.height / 2;
    return {
      label,
      left: r.left - box.left,
      right: box.right - r.right,
      top: r.top - box.top,
      bottom: box.bottom - r.bottom,
      on_top: [r.left + 1, r.left + r.width / 2, r.right - 1].every((x) => document.elementFromPoint(x, y) === t),
    };
  });
}"""


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_heatmap_chart_keeps_its_standards_in_view_as_it_scrolls(
    transactional_db, live_server, browser: Browser, browser_console
):
    """In large type the chart scrolls sideways on its own, and its standards' names scrolled away with it:
    at the projector, reading a column at the far right, nobody could see which standard a row was. They
    now stay at the region's left, on top of the cells that scroll under them."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    services.audit_transition(user=qa, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)
    context = browser.new_context(viewport=PROJECTOR, locale="en-GB")
    try:
        page = context.new_page()
        page.on("console", lambda message: browser_console.append(ConsoleEntry(message.type, message.text)))
        login(page, live_server, "qa.manager", "demo")
        page.goto(f"{live_server.url}/audits/{SLUG}/heatmap/")
        region = page.get_by_role("region", name="Chart: grades by standard and agency")
        page.get_by_role("button", name="Large type").click()
        expect(region).to_have_attribute("tabindex", "0")  # it scrolls

        # The first row in the middle of the window, and the chart scrolled to its far right.
        row = region.locator("svg.heatmap-svg g").first.bounding_box()
        page.evaluate("(y) => window.scrollBy(0, y)", row["y"] - PROJECTOR["height"] / 2)
        region.evaluate("(el) => { el.scrollLeft = el.scrollWidth; }")
        assert region.evaluate("(el) => el.scrollLeft > 0 && el.scrollLeft + el.clientWidth >= el.scrollWidth - 1")

        labels = region.evaluate(FIRST_LABEL)
        seen = [
            label
            for label in labels
            if min(label["left"], label["right"], label["top"], label["bottom"]) >= -0.5 and label["on_top"]
        ]
        assert seen, labels  # wholly inside the region's box, and no cell over it
        assert seen[0]["left"] <= PROJECTOR["width"] / 2  # at the region's left, where a row's name is read
        axe_check(page)
    finally:
        context.close()
    assert not csp_violations(browser_console)
