"""Part B's wide tables in Chromium: the evidence board at 320 CSS pixels (a laptop zoomed to 400 %,
WCAG 1.4.10 Reflow, 1.4.4 Resize text) and the heatmap's table of figures, whose standards stay in
view while its columns scroll."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from audits.models import Audit, AuditStatus
from audits.tests.partb_support import build_audit
from tests.fixtures_browser import axe_check, csp_violations, login

BH, DUDLEY = "bh-cse-2015", "dudley-cse-2017"

# The first row of the board's first stage: the standard's heading, and each agency's grade (and
# evidence, when there is some) seen by a person, not hidden under anything. Its first agency cell is
# scrolled to the start of the board's region, as a person scrolls it to read the cell.
FIRST_ROW = """
() => {
  const region = document.querySelector(".board-scroll");
  const row = region.querySelector("table.board-table > tbody > tr");
  const header = row.querySelector("th");
  const cell = [...row.querySelectorAll("td")].find((td) => td.querySelector(".grade-label, .evidence"));
  window.scrollBy({ top: row.getBoundingClientRect().top - 100, behavior: "instant" });
  region.scrollLeft += cell.getBoundingClientRect().left - region.getBoundingClientRect().left;
  // What is at the start of its first line is the element itself, not a column stuck over it.
  const seen = (el) => {
    const r = el.getBoundingClientRect();
    const x = r.left + Math.min(r.width / 2, 20), y = r.top + Math.min(r.height / 2, 8);
    return x >= 0 && x <= window.innerWidth && el.contains(document.elementFromPoint(x, y));
  };
  const regionBox = region.getBoundingClientRect();
  const cellBox = cell.getBoundingClientRect();
  const visible = Math.min(cellBox.right, regionBox.right, window.innerWidth) - Math.max(cellBox.left, regionBox.left, 0);
  return {
    viewport: window.innerWidth,
    header: header.getBoundingClientRect().width,
    cellWidth: cellBox.width,
    visible,
    seen: [...cell.querySelectorAll(".grade-label, .evidence")].map(seen),
  };
}
"""


def check_first_row(page: Page, what: str) -> None:
    row = page.evaluate(FIRST_ROW)
    assert row["header"] <= 0.45 * row["viewport"], f"{what}: the standard takes {row['header']} px of 320: {row}"
    # The whole cell, or at least 200 px of it, beside nothing that covers it.
    assert row["visible"] >= min(row["cellWidth"], 200) - 1, f"{what}: only {row['visible']} px of the cell: {row}"
    assert row["seen"] and all(row["seen"]), f"{what}: the grade or the evidence is covered: {row}"


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_evidence_board_reads_at_320_pixels(transactional_db, live_server, page: Page, browser_console):
    """At 320 px the standard's column no longer takes the width: each agency's grade and evidence
    can be read, in normal and in large type, by the QA manager and by an auditor."""
    call_command("load_demo", stdout=StringIO())
    dudley = Audit.objects.get(slug=DUDLEY)
    page.set_viewport_size({"width": 320, "height": 640})
    login(page, live_server, "qa.manager", "demo")
    case = dudley.cases.order_by("order", "reference").first()
    page.goto(f"{live_server.url}/audits/{DUDLEY}/cases/{case.pk}/board/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Evidence board")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    check_first_row(page, "QA manager")

    page.locator("#large-type-toggle").click()
    expect(page.locator("#large-type-toggle")).to_have_attribute("aria-pressed", "true")
    check_first_row(page, "QA manager, large type")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check(page)
    page.locator("#large-type-toggle").click()

    # An auditor reads the Brighton & Hove board during Part B.
    Audit.objects.filter(slug=BH).update(status=AuditStatus.PART_B)
    bh_case = Audit.objects.get(slug=BH).cases.get(reference="Case 1")
    page.context.clear_cookies()
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/{BH}/cases/{bh_case.pk}/board/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence board: Case 1")
    check_first_row(page, "auditor")

    # A wide screen keeps the standard's column in view while the agencies' columns scroll.
    page.set_viewport_size({"width": 1366, "height": 768})
    sticky = page.evaluate("getComputedStyle(document.querySelector('.board-table th.board-standard-col')).position")
    assert sticky == "sticky"
    assert not csp_violations(browser_console), browser_console


# Each wide table's region is a tab stop exactly when it scrolls.
REGIONS = """
() => [...document.querySelectorAll("[data-scroll-region]")].map((el) => ({
  scrolls: el.scrollWidth > el.clientWidth + 1,
  tabStop: el.getAttribute("tabindex") === "0",
}))
"""


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_heatmap_keeps_its_standards_in_view(transactional_db, live_server, page: Page, browser_console):
    """The table of figures scrolls under the keyboard's arrows with each row's standard kept at its
    left; the chart, which shrinks to the page and never scrolls, is not a tab stop."""
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{DUDLEY}/heatmap/")
    expect(page.locator("svg.heatmap-svg")).to_be_visible()
    chart = page.get_by_test_id("heatmap-figure").locator("div").first
    assert chart.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    expect(chart).not_to_have_attribute("tabindex", "0")
    expect(page.get_by_test_id("heatmap-figure").locator("[tabindex]")).to_have_count(0)

    region = page.get_by_role("region", name="The same figures as a table")
    assert region.evaluate("(el) => el.scrollWidth > el.clientWidth")  # 2,727 px of table in 1,256
    expect(region).to_have_attribute("tabindex", "0")
    region.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")

    # Scrolled to its far right, the first row's standard is still at the region's left, on top.
    standard = page.get_by_test_id("heatmap-table").locator("tbody tr").first.locator("th")
    region.evaluate("(el) => { el.scrollLeft = el.scrollWidth; }")
    seen = standard.evaluate(
        """(th) => {
          const region = th.closest("[data-scroll-region]").getBoundingClientRect();
          th.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
          const box = th.getBoundingClientRect();
          return {
            left: box.left - region.left,
            hit: th.contains(document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2)),
          };
        }"""
    )
    assert abs(seen["left"]) <= 1 and seen["hit"], seen
    axe_check(page)
    assert all(r["scrolls"] == r["tabStop"] for r in page.evaluate(REGIONS))

    # At 320 px the standard takes at most 45 % of the width, and still stays.
    page.set_viewport_size({"width": 320, "height": 640})
    width = standard.evaluate("(th) => th.getBoundingClientRect().width")
    assert width <= 0.45 * 320, width
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_board_region_is_a_tab_stop_only_while_it_scrolls(transactional_db, live_server, page: Page):
    call_command("load_demo", stdout=StringIO())
    audit = build_audit(agencies=2, cases=1, standards=4)  # two agencies: the board fits a wide screen
    case = audit.cases.get()
    login(page, live_server, "qa.manager", "demo")
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(f"{live_server.url}/audits/{audit.slug}/cases/{case.pk}/board/")
    regions = page.evaluate(REGIONS)
    assert regions and not any(r["scrolls"] for r in regions), regions
    assert not any(r["tabStop"] for r in regions), regions
    # Narrower, the same regions scroll, and are tab stops again.
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-scroll-region]')].every((el) => el.tabIndex === 0)"
    )
    assert all(r["scrolls"] and r["tabStop"] for r in page.evaluate(REGIONS))
