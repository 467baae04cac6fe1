"""The sign-in page in demo mode, in Chromium, at 320 CSS pixels wide (a 1280-pixel screen zoomed to
400 %, WCAG 1.4.10) with a reader's text spacing (1.4.12: line height 1.5, letters 0.12 em, words
0.16 em): its table of demo users fits the screen, breaking a username where it must, instead of
widening the page (auditor.socialcare was wider than the table's column)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from tests.fixtures_browser import text_spacing


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_demo_users_fit_320_pixels_with_text_spacing(transactional_db, live_server, page: Page):
    call_command("load_demo", stdout=StringIO())
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/accounts/login/")
    table = page.get_by_role("region", name="Demo users (password: demo)").get_by_role("table")
    expect(table.get_by_role("cell", name="auditor.socialcare")).to_be_visible()
    text_spacing(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
