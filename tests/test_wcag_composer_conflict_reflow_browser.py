"""A briefing's section saved meanwhile by somebody else, in Chromium: the composer shows their text above
the form, to read before saving again. It wraps as the page does (WCAG 1.4.10 Reflow): a paragraph
is one line of the section's text, and a web address a long word, and neither is read by scrolling
sideways, at 320 CSS pixels (a laptop zoomed to 400 %) or on a laptop's full width."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.models import Audit
from briefings import services
from briefings.models import BriefingSection, Edition
from tests.fixtures_browser import login

SLUG = "dudley-cse-2017"
THEIRS = (
    "Practitioners should read the partnership's CSE guidance before the next round of strategy meetings, "
    "and managers should check that every referral names the risk assessment tool used and its outcome.\n\n"
    "The guidance: https://www.dudleysafeguarding.org.uk/children/child-sexual-exploitation/guidance-for-practitioners"
)
# The text of the other editor, measured: wider than its box, it scrolls sideways inside it; and the page.
MEASURE = """() => {
  const theirs = document.querySelector("[data-testid=section-why] .section-theirs");
  return { theirs: theirs.scrollWidth - theirs.clientWidth, page: document.documentElement.scrollWidth - innerWidth };
}"""


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_other_editors_text_wraps(transactional_db, live_server, page: Page):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa)
    login(page, live_server, "qa.manager", "demo")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/")
    card = page.get_by_test_id("section-why")

    # Saved by the lead officer after this page was opened: saving here is refused with their text shown.
    section = BriefingSection.objects.get(briefing__audit=audit, briefing__edition=Edition.MANAGERS, key="why")
    services.briefing_section_update(
        section=section,
        heading=section.heading,
        body=THEIRS,
        hidden=False,
        user=User.objects.get(username="dudley.lead"),
    )
    card.get_by_label("Text").fill("My own words.")
    card.get_by_role("button", name="Save section").click()
    expect(card.get_by_test_id("section-conflict")).to_be_focused()
    expect(card.locator(".section-theirs")).to_contain_text("guidance-for-practitioners")

    for width in (320, 1366):
        page.set_viewport_size({"width": width, "height": 640})
        overflow = page.evaluate(MEASURE)
        assert overflow == {"theirs": 0, "page": 0}, f"at {width} px, wider than its box by {overflow}"
    # Wrapped, its lines and paragraphs are kept as typed.
    assert card.locator(".section-theirs").evaluate("(el) => getComputedStyle(el).whiteSpace") == "pre-wrap"
