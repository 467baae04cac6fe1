"""A recommendation's status changed on a page opened before the audit moved to a stage that no longer tracks its
recommendations, in Chromium: the page comes back at the row saying nothing was saved and the audit's stage now,
with the evidence of impact typed kept there to copy. And a Reopen refused as invalid (a tampered post): the link
of its error summary takes the person to the row's Reopen button."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from audits.models import Audit, AuditStatus, Recommendation, RecommendationStatus
from tests.fixtures_browser import axe_check, csp_violations, login

DUDLEY = "dudley-cse-2017"  # in Reporting: one of its recommendations is closed
TYPED = "Re-audit in March: 9 of 10 plans recorded."


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_status_changed_after_the_audit_was_cancelled_says_so_at_its_row(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)  # cancellable
    rec = Recommendation.objects.filter(audit=audit, status=RecommendationStatus.OPEN).order_by("-order").first()
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{DUDLEY}/recommendations/")

    row = page.locator(f"#rec-{rec.pk}")
    row.locator("summary").click()
    row.get_by_label("New status").select_option(label="In progress")
    row.get_by_label("Evidence of impact").fill(TYPED)
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.CANCELLED)  # somebody else cancels it meanwhile
    with page.expect_navigation():
        row.get_by_role("button", name="Save status").click()

    page.wait_for_load_state("load")
    expect(page).to_have_title(re.compile(r"^Error: Recommendations"))
    expect(row.locator(f"#status-{rec.pk}")).to_contain_text(
        "Not saved: the audit moved to the Cancelled stage while you were changing this recommendation's status."
    )
    kept = row.get_by_label("Your evidence of impact, not saved")
    expect(kept).to_have_value(TYPED)
    expect(kept).to_have_attribute("readonly", "")
    expect(kept).to_be_in_viewport()
    expect(row.get_by_text("Change status")).to_have_count(0)
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.OPEN, "")
    axe_check(page)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_reopen_refused_as_invalid_links_its_error_to_the_reopen_button(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    rec = Recommendation.objects.get(audit=audit, status=RecommendationStatus.CLOSED)
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{DUDLEY}/recommendations/")

    row = page.locator(f"#rec-{rec.pk}")
    row.locator(f"input[name='rec-{rec.pk}-to_status']").evaluate("(el) => { el.value = 'open'; }")  # tampered
    reopen = row.get_by_role("button", name=re.compile(r"^Reopen\s*recommendation \d+$"))
    with page.expect_navigation():
        reopen.click()

    summary = row.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Select a valid choice")
    axe_check(page)
    summary.get_by_role("link").click()
    expect(reopen).to_be_focused()
    expect(reopen).to_be_in_viewport()
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED
    assert not csp_violations(browser_console), browser_console
