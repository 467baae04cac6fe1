"""In Chromium, on the demo: an agency manager who owns a recommendation finds My recommendations in the menu,
and reads it in a table with a caption and column headers, with no serious or critical axe-core violation and
no CSP violation."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.models import Recommendation
from tests.fixtures_browser import axe_check, csp_violations, login


@pytest.mark.browser
@override_settings(DEMO=True)
def test_an_owner_reads_their_recommendations(transactional_db, live_server, page: Page, browser_console):
    call_command("load_demo", stdout=StringIO())
    manager = User.objects.get(username="manager")
    rec = Recommendation.objects.exclude(audit__status="cancelled").order_by("pk").first()
    rec.owner_email = manager.email.upper()  # the owner's address in another case
    rec.impact_evidence = "Training delivered to every team"
    rec.save()
    login(page, live_server, "manager", "demo")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My recommendations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My recommendations")
    table = page.get_by_role("table", name="Your recommendations")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.get_by_role("columnheader", name="Evidence of impact so far")).to_be_visible()
    expect(table.locator(f'tr[data-rec="{rec.pk}"]')).to_contain_text("Training delivered to every team")
    expect(table.locator(f'tr[data-rec="{rec.pk}"]')).to_contain_text(rec.audit.title)
    axe_check(page)
    assert csp_violations(browser_console) == []
