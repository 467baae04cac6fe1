"""In Chromium, on a phone (375×667): a practitioner opens a briefing's page from the e-mail's link, signs in
and lands on it, and sends feedback without choosing how useful it was. The page comes back saying so first,
where the keyboard focus is put, each problem linked to its field, and its title starts "Error:"; choosing
a rating with the keyboard and sending it again is thanked for."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from briefings.models import Briefing, Edition, Feedback
from tests.fixtures_browser import axe_check, csp_violations


@pytest.mark.browser
@override_settings(DEMO=True)
def test_feedback_refused_on_a_phone_is_said_where_the_focus_is(
    transactional_db, live_server, page: Page, browser_console, tmp_path, settings
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    call_command("load_demo", stdout=StringIO())
    briefing = Briefing.objects.get(audit__slug="dudley-cse-2017", edition=Edition.PRACTITIONERS)
    page.set_viewport_size({"width": 375, "height": 667})

    # The e-mail's link, signed out: the sign-in comes back to the briefing.
    page.goto(f"{live_server.url}/briefings/{briefing.pk}/")
    page.fill("#id_username", "practitioner")
    page.fill("#id_password", "demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.get_by_role("heading", level=1)).to_have_text(briefing.title)

    page.get_by_role("button", name="Send feedback").click()
    summary = page.get_by_test_id("feedback-errors")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Your feedback was not sent")
    expect(page).to_have_title(f"Error: {briefing.title} · {page.title().split(' · ')[-1]}")
    link = summary.get_by_role("link", name="How useful was this briefing? Choose how useful it was, from 5 to 1.")
    axe_check(page)
    assert not Feedback.objects.exists()

    # From the summary to the rating, with the keyboard only.
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("5 – very useful")).to_be_focused()
    page.keyboard.press("ArrowDown")  # 4 – useful, checked as the focus moves
    expect(page.get_by_label("4 – useful", exact=True)).to_be_checked()
    page.get_by_label("Comment (optional)").fill("The practitioners' key points were clear.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Thank you: your feedback is kept with this briefing")).to_be_visible()
    expect(page.get_by_test_id("feedback-errors")).to_have_count(0)
    assert Feedback.objects.get().rating == 4
    assert not csp_violations(browser_console)
