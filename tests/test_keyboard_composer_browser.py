"""The briefing composer with the keyboard only, in Chromium (WCAG 2.2): after Move up, Move down or Refresh
from findings the focus is back on the button pressed, with what happened said there (2.4.3, 4.1.3), and
what is tabbed to in the side column is never out of sight under the window's edge (2.4.11)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.models import Audit
from briefings import services
from briefings.models import Briefing, BriefingSection, BriefingVersion, Edition
from tests.fixtures_browser import axe_check, csp_violations, login

SLUG = "dudley-cse-2017"


def settled(page: Page) -> None:
    """Wait for a scroll to end (Bootstrap scrolls smoothly)."""
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


def order(briefing: Briefing) -> list[str]:
    return list(BriefingSection.objects.filter(briefing=briefing).order_by("order", "pk").values_list("key", flat=True))


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_section_moved_with_the_keyboard_keeps_the_focus_on_its_button(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    briefing = services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa)
    keys = order(briefing)
    key = keys[-3]  # two places from the end
    heading = BriefingSection.objects.get(briefing=briefing, key=key).heading
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/")
    card = page.get_by_test_id(f"section-{key}")
    # Each named with its section's heading too (visually hidden).
    down = card.get_by_role("button", name="Move down")
    up = card.get_by_role("button", name="Move up")
    expect(down).to_have_accessible_name(re.compile(rf"Move down\s?: {heading}"))

    # Enter on Move down: the page opens again at the section, the focus on Move down, shown.
    down.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#card-{key}")
    page.wait_for_load_state("load")
    settled(page)
    expect(down).to_be_focused()
    assert down.evaluate("(el) => el.matches(':focus-visible')")
    assert order(briefing)[-2] == key

    # Enter again: it is last, Move down is disabled, and the focus is on Move up.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    settled(page)
    assert order(briefing)[-1] == key
    expect(down).to_be_disabled()
    expect(up).to_be_focused()

    # The sections change in another tab meanwhile: the move is refused, and the refusal is shown in the
    # section and said in the composer's live region, where the person is, with the focus still on Move up.
    first = BriefingSection.objects.get(briefing=briefing, key=order(briefing)[0])
    services.briefing_section_move(section=first, direction="down", user=qa)
    other = BriefingSection.objects.get(briefing=briefing, key=order(briefing)[-2])
    services.briefing_section_move(section=other, direction="up", user=qa)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    settled(page)
    refused = "The sections had changed since you opened the page: nothing was moved."
    expect(card.get_by_role("status")).to_contain_text(refused)
    expect(card.get_by_role("status")).to_be_in_viewport()
    expect(page.get_by_test_id("composer-announcer")).to_contain_text(refused)
    expect(up).to_be_focused()
    assert order(briefing)[-1] == key

    # Refresh from findings, confirmed: the focus is back on it, and the outcome is said there.
    refresh = card.get_by_role("button", name="Refresh from findings")
    page.keyboard.press("Tab")
    expect(refresh).to_be_focused()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    settled(page)
    expect(refresh).to_be_focused()
    expect(card.get_by_role("status")).to_contain_text("written again from the findings")
    expect(page.get_by_test_id("composer-announcer")).to_contain_text("written again from the findings")
    axe_check(page)

    # Opened afresh (a link, a reload), the page starts at the top as before.
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/#card-{key}")
    settled(page)
    assert page.evaluate("document.activeElement === document.body")
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_composer_side_column_keeps_what_is_focused_in_view(
    transactional_db, live_server, page: Page, settings, tmp_path, browser_console
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    call_command("load_demo", stdout=StringIO())
    # The demo's practitioners' briefing, published three times (copies of its one version, as published).
    version = BriefingVersion.objects.get(briefing__audit__slug=SLUG, briefing__edition=Edition.PRACTITIONERS)
    for number in (2, 3):
        version.pk, version.number = None, number
        version.save()
    login(page, live_server, "qa.manager", "demo")
    # A 1366 x 768 laptop zoomed to 125 %: the side column is still beside the sections, and taller than the window.
    page.set_viewport_size({"width": 1093, "height": 614})
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/practitioners/")
    aside = page.locator(".composer-aside")
    assert aside.evaluate("(el) => getComputedStyle(el).position") == "sticky"

    # Tab from the page's last section through the side column: each of its links and buttons, once
    # focused, is wholly in the window and is what is seen there (nothing is over it).
    page.get_by_test_id("section-heatmap").get_by_role("button", name="Save section").focus()
    seen = []
    for _ in range(20):
        page.keyboard.press("Tab")
        settled(page)
        focused = page.evaluate_handle("document.activeElement")
        if not page.evaluate("(el) => !!el.closest('.composer-aside')", focused):
            break
        box = page.evaluate(
            """(el) => {
              const r = el.getBoundingClientRect();
              const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
              return {text: el.textContent.trim(), top: r.top, bottom: r.bottom, height: innerHeight,
                      seen: !!hit && (hit === el || el.contains(hit))};
            }""",
            focused,
        )
        seen.append(box["text"])
        assert 0 <= box["top"] and box["bottom"] <= box["height"] and box["seen"], f"focused out of sight: {box}"
    assert seen[:2] == ["Preview", "Publish…"] and seen[-1] == "Read the feedback", seen
    assert len([text for text in seen if text.startswith("Withdraw")]) == 3
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
