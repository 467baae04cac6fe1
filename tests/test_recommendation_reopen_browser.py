"""Reopening a recommendation closed by mistake, in Chromium: its row on the recommendations page says when it was
closed and what reopening does, next to the Reopen button (read with it: aria-describedby); pressed, the page comes
back at the row, the recommendation Complete again with its Change status, the reopening said by the list."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from audits.models import Audit, Recommendation, RecommendationStatus
from tests.fixtures_browser import axe_check, csp_violations, login

DUDLEY = "dudley-cse-2017"  # in Reporting: one of its recommendations is closed


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_closed_recommendation_is_reopened_from_its_row(transactional_db, live_server, page: Page, browser_console):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=DUDLEY)
    rec = Recommendation.objects.get(audit=audit, status=RecommendationStatus.CLOSED)
    evidence = rec.impact_evidence
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/audits/{DUDLEY}/recommendations/")

    row = page.locator(f"#rec-{rec.pk}")
    reopen = row.get_by_role("button", name=re.compile(r"^Reopen\s*recommendation \d+$"))
    expect(reopen).to_have_accessible_description(
        re.compile(r"^Closed \d+ \w+ \d{4}\. Reopen it to change its status or evidence of impact: it goes back to")
    )
    expect(row.get_by_text("Change status")).to_have_count(0)
    axe_check(page)

    with page.expect_navigation():
        reopen.click()

    assert page.url.endswith(f"#rec-{rec.pk}"), page.url
    page.wait_for_load_state("load")
    expect(page.locator("#recommendations-status")).to_contain_text("Recommendation reopened: it is Complete again")
    expect(row.locator("td").nth(4)).to_have_text("Complete")
    expect(row.get_by_text("Change status")).to_be_visible()
    expect(row.get_by_role("button", name=re.compile(r"^Reopen"))).to_have_count(0)
    rec.refresh_from_db()
    assert (rec.status, rec.closed_at, rec.impact_evidence) == (RecommendationStatus.COMPLETE, None, evidence)
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
