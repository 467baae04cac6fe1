"""In Chromium: a support contact's description of two paragraphs shows on the briefing's preview as two within
the contact's point of 'Local support', the second on a line of its own below the first and as large and as dark,
instead of one run-on paragraph."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Partnership, SupportContact
from audits.models import AuditStatus
from briefings import services
from briefings.models import Edition
from briefings.tests.support import add_findings, configure_partnership
from tests.fixtures_browser import axe_check, csp_violations, login

STYLE = """(el) => { const s = getComputedStyle(el); return [s.fontSize, s.color]; }"""


@pytest.mark.browser
def test_the_preview_shows_a_contacts_second_paragraph_below_its_first(
    transactional_db, live_server, page: Page, browser_console, audit, agency_a, agency_b, qa_manager
):
    configure_partnership()
    add_findings(audit, agency_a, agency_b)
    audit.status = AuditStatus.REPORTING
    audit.save(update_fields=["status"])
    SupportContact.objects.create(
        partnership=Partnership.load(),
        name="Front door",
        description="Call in office hours.\n\nOut of hours, ring the emergency duty team.",
        phone="01273 335905",
    )
    services.briefing_create(audit=audit, edition=Edition.PRACTITIONERS, user=qa_manager)

    login(page, live_server, "qa", "correct horse battery staple")
    page.goto(f"{live_server.url}/briefings/audit/{audit.slug}/practitioners/preview/")
    contact = page.locator("#section-local_support li", has_text="Front door")
    expect(contact).to_have_count(1)
    second = contact.locator(".item-note")
    expect(second).to_have_text("Out of hours, ring the emergency duty team. Call 01273 335905.")

    name = contact.locator("strong").first.bounding_box()
    below = second.bounding_box()
    assert below["y"] >= name["y"] + name["height"] - 1  # on a line of its own
    assert abs(below["x"] - name["x"]) < 1  # at the start of the point's text
    assert second.evaluate(STYLE) == contact.evaluate(STYLE)
    axe_check(page, context="#section-local_support")
    assert not csp_violations(browser_console), browser_console
