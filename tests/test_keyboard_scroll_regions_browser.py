"""Wide tables with the keyboard only, in Chromium: a table's scrolling region (My returns, the library, the
progress dashboard) is a tab stop, for the arrow keys to scroll it, only while it does scroll. A table that
fits the window is not an extra tab stop that does nothing (WCAG 2.4.3); one that scrolls is still reached
by Tab and scrolled by the arrows (axe's scrollable-region-focusable)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from tests.fixtures_browser import axe_check, csp_violations, login

BH = "bh-cse-2015"  # Part A open: the dashboard's progress matrix and auditors, My returns' table

REGIONS = """
() => [...document.querySelectorAll('.table-responsive[role="region"]')].map((el) => ({
  name: el.getAttribute("aria-label") || document.getElementById(el.getAttribute("aria-labelledby")).textContent,
  scrolls: el.scrollWidth > el.clientWidth + 1,
  tabStop: el.getAttribute("tabindex") === "0",
}))
"""


def tab_stops(page: Page) -> list[str]:
    """Every element Tab reaches on the page, in order, once round (each an outline of what it is)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    seen: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return null;
              return [el.tagName, el.getAttribute("role") || "", el.id || "", el.textContent.trim().slice(0, 40)].join("|");
            }"""
        )
        if stop is None or stop in seen:
            break
        seen.append(stop)
    return seen


def regions_tabbed_to(page: Page) -> list[str]:
    return [stop for stop in tab_stops(page) if stop.startswith("DIV|region|")]


@pytest.mark.browser
@override_settings(DEMO=True)
@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("auditor.police", "/audits/my-returns/"),
        ("manager", "/briefings/"),
        ("qa.manager", f"/audits/{BH}/"),
    ],
)
def test_a_table_region_is_a_tab_stop_only_while_it_scrolls(
    transactional_db, live_server, page: Page, browser_console, tmp_path, settings, username, path
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, username, "demo")
    page.goto(f"{live_server.url}{path}")

    # On a laptop the tables fit: Tab goes from one link or button to the next, never to a region.
    regions = page.evaluate(REGIONS)
    assert regions and not any(r["scrolls"] for r in regions), regions
    assert not any(r["tabStop"] for r in regions), regions
    assert regions_tabbed_to(page) == []
    axe_check(page)

    # On a phone, a table that scrolls is a tab stop again (and only those that scroll), and its arrows
    # scroll it; axe's scrollable-region-focusable passes.
    page.set_viewport_size({"width": 375, "height": 667})
    page.wait_for_function(
        """() => [...document.querySelectorAll('.table-responsive[role="region"]')]
          .every((el) => (el.scrollWidth > el.clientWidth + 1) === (el.getAttribute("tabindex") === "0"))"""
    )
    regions = page.evaluate(REGIONS)
    assert all(r["scrolls"] == r["tabStop"] for r in regions), regions
    scrolling = [r for r in regions if r["scrolls"]]
    assert len(regions_tabbed_to(page)) == len(scrolling)
    if scrolling:
        region = page.locator('.table-responsive[role="region"][tabindex="0"]').first
        for _ in range(80):
            page.keyboard.press("Tab")
            if region.evaluate("(el) => el === document.activeElement"):
                break
        expect(region).to_be_focused()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    results = axe_check(page)
    assert not [v for v in results["violations"] if v["id"] == "scrollable-region-focusable"]

    # Back on the laptop, no longer a tab stop.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.table-responsive[role="region"]')].every((el) => !el.hasAttribute("tabindex"))"""
    )
    assert not csp_violations(browser_console), browser_console
