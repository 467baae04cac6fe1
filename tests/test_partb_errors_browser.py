"""A Part B form refused by the server, in Chromium (WCAG 3.3.1, 2.4.3): the page comes back where the
person acted, the focus on the form's summary of its errors, each error next to its field and linked to
it, and the page's title starts "Error:"."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Locator, Page, expect

from agencies.models import User
from audits.forms_partb import ConsensusForm
from audits.models import Audit, CaseJudgement, Grade, Recommendation, RecommendationStatus, Section
from audits.services.partb import judgement_record
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


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_refused_consensus_save_comes_back_at_its_summary(transactional_db, live_server, page: Page, browser_console):
    """The evidence board's consensus save refused for two stages (one recorded from another tab since
    the board was shown, one with reasons over the limit): the focus is on the summary at the start of
    the board's judgements, each stage linked to its field: the grade, or the reasons that were too long."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    case = audit.cases.order_by("order", "reference").first()
    first, second = Section.objects.filter(version=audit.tool_version).order_by("order")[:2]
    grades = list(Grade.objects.filter(scale_id=audit.tool_version.scale_id).order_by("rank"))
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{DUDLEY}/cases/{case.pk}/board/")
    expect(page).to_have_title(re.compile(r"^Evidence board"))
    expect(page.get_by_test_id("error-summary")).to_have_count(0)

    # Meanwhile, in another tab, the first stage is recorded.
    judgement_record(
        user=User.objects.get(username="qa.manager"),
        case=case,
        section=first,
        grade=grades[0],
        reasons="Recorded in another tab.",
    )
    stage1, stage2 = page.locator(f"#stage-{first.pk}"), page.locator(f"#stage-{second.pk}")
    stage1.get_by_label("Consensus grade").select_option(label=grades[-1].label)
    stage1.get_by_label("Reasons").fill("Mine, typed on the board.")
    stage2.get_by_label("Consensus grade").select_option(label=grades[-1].label)
    stage2.get_by_label("Reasons").fill("x" * (ConsensusForm.REASONS_MAX + 1))
    stage2.get_by_role("button", name=re.compile(r"consensus")).click()

    expect(page).to_have_title(re.compile(r"^Error: Evidence board"))
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_contain_text(f"{first.title}: Not saved: somebody else recorded this judgement")
    expect(links.nth(0)).to_have_attribute("href", f"#id_stage-{first.pk}-grade")
    expect(links.nth(1)).to_contain_text(f"{second.title}: Not saved:")
    expect(links.nth(1)).to_have_attribute("href", f"#id_stage-{second.pk}-reasons")
    axe_check(page)

    links.nth(0).click()
    expect(stage1.get_by_label("Consensus grade")).to_be_focused()
    links.nth(1).click()
    expect(stage2.get_by_label("Reasons")).to_be_focused()
    assert CaseJudgement.objects.get(case=case, section=first).reasons == "Recorded in another tab."
    assert not CaseJudgement.objects.filter(case=case, section=second, reasons__startswith="xxx").exists()
    assert not csp_violations(browser_console), browser_console
