"""A Part B form refused by the server, in Chromium (WCAG 3.3.1, 2.4.3): the page comes back where the
person acted, the focus on the form's summary of its errors, each error next to its field and linked to
it, and the page's title starts "Error:"."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Locator, Page, expect

from audits.models import Audit, Recommendation, RecommendationStatus
from tests.fixtures_browser import axe_check, csp_violations, login

DUDLEY = "dudley-cse-2017"  # in Reporting: its findings and recommendations are still edited


def description(field: Locator) -> str:
    """What a screen reader reads after the field's name: the texts its aria-describedby names."""
    return field.evaluate(
        "(el) => (el.getAttribute('aria-describedby') || '').split(' ')"
        ".map((id) => document.getElementById(id)?.textContent || '').join(' ')"
    )


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_refused_status_change_comes_back_at_its_form(transactional_db, live_server, page: Page, browser_console):
    """Closed without evidence of impact: the form is open again with the choice kept, the error next
    to the field, and the focus on the summary in the form, in view (it was 343 px above the screen)."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    rec = Recommendation.objects.filter(audit=audit).order_by("-order", "-pk").first()  # the last row
    Recommendation.objects.filter(pk=rec.pk).update(status=RecommendationStatus.COMPLETE, impact_evidence="")
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{DUDLEY}/recommendations/")
    expect(page).to_have_title(re.compile(r"^Recommendations"))

    row = page.locator(f"#rec-{rec.pk}")
    row.locator("summary").click()
    row.get_by_label("New status").select_option(label="Closed")
    row.get_by_role("button", name="Save status").click()

    expect(page).to_have_title(re.compile(r"^Error: Recommendations"))
    summary = row.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Evidence of impact: Closing a recommendation needs a note")
    expect(row.locator("details")).to_have_attribute("open", "")
    expect(row.get_by_label("New status")).to_have_value(RecommendationStatus.CLOSED)
    evidence = row.get_by_label("Evidence of impact")
    expect(evidence).to_have_attribute("aria-invalid", "true")
    assert "Closing a recommendation needs a note on the evidence of its impact." in description(evidence)
    axe_check(page)

    # The summary's link takes the person to the field.
    summary.get_by_role("link").click()
    expect(evidence).to_be_focused()
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.COMPLETE
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_an_empty_finding_comes_back_at_its_add_form(transactional_db, live_server, page: Page, browser_console):
    """Add pressed on an empty form: the page comes back at that form (not at the top, with the
    error 1,277 px down, 4,017 px for an agency's areas for improvement), the error linked to the fields."""
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "qa.manager", "demo")

    page.goto(f"{live_server.url}/audits/{DUDLEY}/findings/?add=key_message#add-key_message")
    adding = page.get_by_test_id("finding-add")
    adding.get_by_role("button", name="Add").click()
    expect(page).to_have_title(re.compile(r"^Error: Findings"))
    assert page.url.endswith("#add-key_message")
    summary = adding.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Write a heading or some text.")
    heading = adding.get_by_label("Lead-in (printed in bold)")
    text = adding.get_by_role("textbox", name="Text", exact=True)
    for field in (heading, text):
        expect(field).to_have_attribute("aria-invalid", "true")
        assert "Write a heading or some text." in description(field)
    axe_check(page)
    summary.get_by_role("link", name=re.compile("Write a heading")).click()
    expect(heading).to_be_focused()

    # An agency's area for improvement, last on the page: the agency is missing too.
    page.goto(f"{live_server.url}/audits/{DUDLEY}/findings/?add=agency_improvement#add-agency_improvement")
    page.get_by_test_id("finding-add").get_by_role("button", name="Add").click()
    expect(page).to_have_title(re.compile(r"^Error: Findings"))
    adding = page.locator("#add-agency_improvement")
    summary = adding.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("link")).to_have_count(2)  # the agency, and a heading or some text
    agency = adding.get_by_label("Agency")
    expect(agency).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name=re.compile("^Agency")).click()
    expect(agency).to_be_focused()
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
