"""Focus in Chromium (WCAG 2.2): what has the keyboard focus is never hidden under the Part A save bar
(2.4.11 Focus Not Obscured), and it is marked by an indicator strong enough to see (2.4.7, 1.4.11)."""

import re

import pytest
from playwright.sync_api import Page, expect

from agencies.tests.factories import QAManagerFactory
from audits.models import PartAReturn
from tests.demo_support import demo_police_return
from tests.fixtures_browser import login, tab_to

# The part of the viewport the save bar covers, and where the focused element is, in CSS pixels.
BOXES = """(el) => {
  const bar = document.querySelector('.parta-savebar').getBoundingClientRect();
  const box = el.getBoundingClientRect();
  return {barTop: bar.top, barBottom: bar.bottom, top: box.top, bottom: box.bottom,
          position: getComputedStyle(document.querySelector('.parta-savebar')).position};
}"""


@pytest.fixture
def demo_return(transactional_db, settings):
    return demo_police_return(settings)


def open_with_errors(page: Page, live_server, ret: PartAReturn) -> None:
    """The return submitted blank: the page comes back with its summary of the problems."""
    login(page, live_server, "auditor.police", "demo")
    page.goto(f"{live_server.url}/audits/returns/{ret.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit return").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()


def settled(page: Page) -> None:
    """Wait for a scroll to end: Bootstrap scrolls smoothly (scroll-behavior: smooth) to a fragment."""
    page.evaluate(
        """() => new Promise((done) => {
          let last = -1, still = 0;
          const tick = () => {
            still = window.scrollY === last ? still + 1 : 0;
            last = window.scrollY;
            if (still >= 5) done(); else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        })"""
    )


def hidden_by_the_bar(box: dict) -> float:
    """How much of the focused element's height the bar covers (the bar spans the form's width and is
    painted over it; nothing in the page's flow overlaps the bar unless the bar is stuck over it).
    Under a pixel is rounding, not a hidden field."""
    covered = max(0.0, min(box["bottom"], box["barBottom"]) - max(box["top"], box["barTop"]))
    return covered if covered >= 1 else 0.0


def assert_none_under_the_bar_going_back(page: Page, steps: int) -> None:
    """Shift+Tab up the form from Save draft: no field of the form that gets the focus is under the bar."""
    page.get_by_role("button", name="Save draft").focus()
    hidden = []
    for _ in range(steps):
        page.keyboard.press("Shift+Tab")
        settled(page)
        handle = page.evaluate_handle("document.activeElement")
        if page.evaluate("(el) => !el.closest('form[data-parta-form]') || !!el.closest('.parta-savebar')", handle):
            continue
        box = page.evaluate(BOXES, handle)
        if hidden_by_the_bar(box) > 0:
            hidden.append(f"{page.evaluate('(el) => el.outerHTML.slice(0, 80)', handle)}: {box}")
    assert not hidden, "focused but under the save bar:\n" + "\n".join(hidden)


@pytest.mark.browser
def test_the_save_bar_never_hides_the_focused_field(demo_return, live_server, page: Page):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_with_errors(page, live_server, demo_return)

    # Following a link of the error summary (a fragment link): its field is focused, below the bar.
    links = page.get_by_test_id("error-summary").locator("a[href^='#']")
    assert links.count() >= 3
    for i in (0, 1, links.count() - 1):
        page.evaluate("window.scrollTo(0, 0)")
        link = links.nth(i)
        target = link.get_attribute("href")[1:]
        link.click()
        settled(page)
        focused = page.evaluate("document.activeElement.id")
        assert focused == target, f"{target} not focused ({focused})"
        box = page.evaluate(BOXES, page.locator(f"[id='{target}']").element_handle())
        assert box["position"] == "sticky"  # a 1280 x 800 screen keeps the bar in view
        assert 0 <= box["top"] and box["bottom"] <= 800, f"{target} is not in view: {box}"
        assert hidden_by_the_bar(box) == 0, f"{target} is under the save bar: {box}"

    # Going back up the form with Shift+Tab: each field comes into view below the bar.
    assert_none_under_the_bar_going_back(page, 40)


@pytest.mark.browser
def test_the_save_bar_scrolls_away_on_a_short_screen(demo_return, live_server, page: Page):
    # 1280 x 1024 zoomed to 400 %: the bar would take a third of the screen if it stayed.
    page.set_viewport_size({"width": 320, "height": 256})
    open_with_errors(page, live_server, demo_return)
    bar = page.locator(".parta-savebar")
    assert bar.evaluate("(el) => getComputedStyle(el).position") == "static"
    # So no field is ever under it: tab through the form.
    page.get_by_role("heading", level=1).first.evaluate("(el) => { el.tabIndex = -1; el.focus(); }")
    hidden = []
    for _ in range(60):
        page.keyboard.press("Tab")
        settled(page)
        handle = page.evaluate_handle("document.activeElement")
        if page.evaluate("(el) => !!el.closest('.parta-savebar')", handle):
            continue
        box = page.evaluate(BOXES, handle)
        if hidden_by_the_bar(box) > 0:
            hidden.append(str(box))
    assert not hidden


# --- The focus indicator ------------------------------------------------------------------------------

# The focused element's outline, its own background and the background around it (the first ancestor
# with one: with an offset, the outline is drawn on that).
FOCUS_STYLE = """(el) => {
  const opaque = (node) => {
    for (; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (bg !== 'transparent' && !/^rgba\\(.*,\\s*0\\)$/.test(bg)) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  const style = getComputedStyle(el);
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: style.outlineColor,
          offset: parseFloat(style.outlineOffset), around: opaque(el.parentElement), own: opaque(el)};
}"""


def rgb(colour: str) -> tuple[int, int, int]:
    red, green, blue = (int(float(n)) for n in re.findall(r"[\d.]+", colour)[:3])
    return red, green, blue


def luminance(colour: str) -> float:
    """Relative luminance, as WCAG defines it."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.browser
def test_the_focus_indicator_stands_out_from_what_is_around_it(transactional_db, live_server, page: Page):
    QAManagerFactory(username="qa")
    login(page, live_server, "qa", "correct horse battery staple")
    # A page with the dark navigation bar, a text field and a primary button.
    page.goto(f"{live_server.url}/accounts/confirm-password/")
    faint = []
    for name, selector in [
        ("navigation link", "nav .nav-link"),
        ("sign-out button", "nav .btn"),
        ("text field", "main input.form-control"),
        ("primary button", "main .btn-primary"),
    ]:
        tab_to(page, selector)
        # As the person sees it once the focus style's transitions (Bootstrap's, 0.15 s) are over, not halfway.
        page.wait_for_function("() => document.activeElement.getAnimations().every(a => a.playState !== 'running')")
        focus = page.evaluate(FOCUS_STYLE, page.evaluate_handle("document.activeElement"))
        # The colours next to the outline: what is around the element and, unless the outline stands off
        # from it (outline-offset, the gap showing what is around), the element's own background.
        adjacent = ("around",) if focus["offset"] > 0 else ("own", "around")
        ratios = [contrast(focus["colour"], focus[bg]) for bg in adjacent]
        if focus["style"] in ("none", "hidden") or focus["width"] < 2 or min(ratios) < 3:
            faint.append(f"{name}: {focus}, contrast {[round(r, 2) for r in ratios]}")
    assert not faint, "focus indicators too faint:\n" + "\n".join(faint)
