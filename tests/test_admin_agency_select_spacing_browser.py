"""Administration → People, a person's page, in Chromium with a reader's text spacing (WCAG 1.4.12: line height
1.5, letters 0.12 em, words 0.16 em), at 1280 CSS pixels wide and at 320 (1.4.10 Reflow): the agency chosen,
with a long name, is shown in full in its drop-down, wrapping onto more lines, and the box keeps within the
form. The box was as wide as the name on one line, wider than the form at 1280 pixels (its end and its arrow
cut off), and at 320 pixels cut the name to the box's width. Its list, opened, wraps the names too and keeps
on the screen; axe-core finds nothing serious on the page, and the page's Content-Security-Policy refuses nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page

from agencies.models import User
from tests.fixtures_browser import axe_check, csp_violations, login, text_spacing

LONG = "Brighton and Hove City Council Children's Services, Families, Schools and Early Help Directorate"

# The drop-down's box and its form row, and the height the chosen name needs wrapped at the box's inner width
# (measured on a copy of its text set in the box's font, spacing and width, then removed).
MEASURE = """() => {
  const select = document.querySelector("#id_agency");
  const style = getComputedStyle(select);
  const probe = document.createElement("span");
  probe.textContent = select.options[select.selectedIndex].text;
  for (const name of ["font-family", "font-size", "font-weight", "letter-spacing", "word-spacing", "line-height"]) {
    probe.style.setProperty(name, style.getPropertyValue(name));
  }
  const inner = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  probe.style.setProperty("display", "block");
  probe.style.setProperty("width", `${inner}px`);
  probe.style.setProperty("position", "absolute");
  probe.style.setProperty("visibility", "hidden");
  probe.style.setProperty("overflow-wrap", "anywhere");
  document.body.append(probe);
  const needed = probe.getBoundingClientRect().height;
  probe.remove();
  const box = select.getBoundingClientRect();
  const row = select.closest(".form-row").getBoundingClientRect();
  return {
    needed,
    height: select.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom),
    left: box.left, right: box.right, rowLeft: row.left, rowRight: row.right,
    page: document.documentElement.scrollWidth,
  };
}"""


@pytest.mark.browser
@override_settings(DEMO=True)
@pytest.mark.parametrize("width", [1280, 320])
def test_a_long_agency_name_is_shown_in_full_with_text_spacing(
    transactional_db, live_server, page: Page, browser_console, width
):
    call_command("load_demo", stdout=StringIO())
    person = User.objects.get(username="auditor.police")
    person.agency.name = LONG
    person.agency.save()
    login(page, live_server, "admin", "demo")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/admin/agencies/user/{person.pk}/change/")
    text_spacing(page)
    select = page.get_by_label("Agency:")
    select.scroll_into_view_if_needed()

    shown = page.evaluate(MEASURE)
    assert shown["page"] <= width, f"the page is {shown['page']} pixels wide"
    assert shown["rowLeft"] - 0.5 <= shown["left"] and shown["right"] <= shown["rowRight"] + 0.5, (
        f"the drop-down runs out of its form row: {shown}"
    )
    assert shown["needed"] <= shown["height"] + 1, f"the agency's name is cut off in its drop-down: {shown}"
    # The whole page (Last login and Date joined shown as text: Django's date and time boxes had no label).
    # axe-core's own probes of the admin's styles set inline styles, which the CSP reports: dropped, as
    # test_planning_browser.axe_check_admin drops them.
    before = len(browser_console)
    axe_check(page)
    del browser_console[before:]

    select.click()  # its list, open: the long name wraps there too, on the screen
    option = page.get_by_role("option", name=LONG)
    option.wait_for()
    box = option.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    page.keyboard.press("Escape")
    assert select.input_value() == str(person.agency_id)  # nothing chosen by looking
    assert not csp_violations(browser_console)
