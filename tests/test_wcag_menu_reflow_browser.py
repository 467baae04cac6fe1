"""The menu at the top of every page, opened, in Chromium: at 320 CSS pixels wide (a 1280-pixel screen
zoomed to 400 %, WCAG 1.4.10 Reflow) and with a reader's text spacing (1.4.12: line height 1.5,
letters 0.12 em, words 0.16 em), nothing in it runs off the right of the screen: the partnership's
name wraps, and so do the person's name and its buttons (Your profile, Change password, Sign out)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page

from agencies.models import Partnership, User
from tests.fixtures_browser import login, text_spacing

# What in the page's header ends right of the screen (none, when everything wraps).
OFF_SCREEN = """() => [...document.querySelectorAll("header *")]
  .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} “${el.textContent.trim().slice(0, 30)}”`)"""


def open_menu(page: Page, url: str, *, width: int, spacing: bool) -> tuple[int, list[str]]:
    page.set_viewport_size({"width": width, "height": 640})
    page.goto(url)
    if spacing:
        text_spacing(page)
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#main-nav.show").wait_for()
        page.wait_for_function("() => !document.querySelector('#main-nav.collapsing')")
    return page.evaluate("document.documentElement.scrollWidth"), page.evaluate(OFF_SCREEN)


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_menu_wraps_at_320_pixels_and_with_text_spacing(transactional_db, live_server, page: Page):
    call_command("load_demo", stdout=StringIO())
    # A partnership's short name may be 40 characters; a person's name as long as people's names are.
    partnership = Partnership.load()
    partnership.short_name = "Brighton & Hove Safeguarding Partnership"
    partnership.save()
    User.objects.filter(username="qa.manager").update(first_name="Alexandra", last_name="Featherstonehaugh")
    login(page, live_server, "qa.manager", "demo")
    url = f"{live_server.url}/accounts/profile/"
    too_wide = []
    for width, spacing in ((320, False), (320, True), (1000, True), (1366, True)):
        scroll_width, off_screen = open_menu(page, url, width=width, spacing=spacing)
        if scroll_width > width or off_screen:
            too_wide.append(
                f"{width} px{' with text spacing' if spacing else ''}: {scroll_width} px wide, {off_screen}"
            )
    assert not too_wide, "the menu runs off the screen:\n" + "\n".join(too_wide)
    # Opened at 320 px with text spacing, each of its buttons is whole on the screen and none covers another.
    open_menu(page, url, width=320, spacing=True)
    boxes = [page.get_by_role("link", name=name).bounding_box() for name in ("Your profile", "Change password")]
    boxes.append(page.get_by_role("button", name="Sign out").bounding_box())
    for box in boxes:
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            ), "two of the menu's buttons overlap"
