"""In Chromium on a phone (375×667): the library's rows are stacked, so a reader sees each briefing's
Download button without scrolling the table sideways (it was off the screen's right edge), and the list is
still a table to a screen reader (rows, cells, the column headers)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from tests.fixtures_browser import axe_check, login


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_practitioner_sees_the_download_button_on_a_phone(
    transactional_db, live_server, page: Page, tmp_path, settings
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    call_command("load_demo", stdout=StringIO())
    page.set_viewport_size({"width": 375, "height": 667})
    login(page, live_server, "practitioner", "demo")
    page.goto(f"{live_server.url}/briefings/")

    row = page.get_by_test_id("library-row")
    download = row.get_by_role(
        "link", name=re.compile(r"^Download PDF ?: Child sexual exploitation: learning briefing")
    )
    download.scroll_into_view_if_needed()
    box = download.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    region = page.get_by_role("region", name="Published briefings")
    assert region.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    expect(row.get_by_role("cell", name="Year: 2017")).to_be_visible()
    # Still a table: its rows and cells, and the column headers read with them.
    table = page.get_by_role("table", name="Published briefings, newest audits first")
    expect(table.get_by_role("columnheader", name="Download")).to_have_count(1)
    expect(table.get_by_role("row")).to_have_count(2)
    axe_check(page)

    # On a laptop, the table as it was.
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(table.get_by_role("columnheader", name="Download")).to_be_visible()
    assert (
        row.get_by_role("cell", name="2017", exact=True).evaluate("(el) => getComputedStyle(el).display")
        == "table-cell"
    )
