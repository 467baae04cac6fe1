"""In Chromium: lines of text beyond Part B (a briefing's section heading, saved by htmx; an audit's cohort
source in planning, Django's admin) are counted as Part B's are (app.js), never cut off by a maxlength,
and refused whole by the server. axe-core checks each page with the count shown."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import User
from audits.models import Audit
from briefings import services
from briefings.models import BriefingSection, Edition
from tests.fixtures_browser import axe_check, csp_violations, login
from tests.test_planning_browser import axe_check_admin

SLUG = "dudley-cse-2017"
OVER = "50 characters too many (the limit is %s): shorten this text to save it"


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_long_section_heading_is_counted_and_kept_in_the_card_htmx_brings_back(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    briefing = services.briefing_create(
        audit=audit, edition=Edition.MANAGERS, user=User.objects.get(username="qa.manager")
    )
    before = BriefingSection.objects.get(briefing=briefing, key="why").heading
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/")
    card = page.get_by_test_id("section-why")
    heading = card.get_by_label("Heading")
    assert heading.get_attribute("maxlength") is None

    heading.fill("")
    heading.focus()
    page.keyboard.insert_text("w" * 250)  # as a paste: one insertion
    assert len(heading.input_value()) == 250  # not cut off at 200
    expect(card.locator("#section-why-heading-count")).to_have_text(OVER % "200")
    axe_check(page)

    with page.expect_response(lambda r: r.request.method == "POST" and "/sections/why/" in r.url):
        card.get_by_role("button", name="Save section").click()
    expect(card.locator("#section-why-heading-error")).to_contain_text(
        "This text is 250 characters long, over the limit of 200: shorten it to save it."
    )
    heading = card.get_by_label("Heading")
    assert heading.input_value() == "w" * 250
    # The new card's box is counted too (app.js, on htmx:load), once.
    expect(card.locator("#section-why-heading-count")).to_have_text(OVER % "200")
    expect(card.locator(".char-count")).to_have_count(1)
    assert BriefingSection.objects.get(briefing=briefing, key="why").heading == before
    axe_check(page)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_long_cohort_source_is_counted_in_planning(transactional_db, live_server, page: Page, browser_console):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    before = audit.cohort_source
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/admin/audits/audit/{audit.pk}/change/")
    source = page.locator("#id_cohort_source")
    assert source.get_attribute("maxlength") is None

    source.fill("")
    source.focus()
    page.keyboard.insert_text("c" * 350)
    assert len(source.input_value()) == 350  # not cut off at 300
    expect(page.locator("#id_cohort_source-count")).to_have_text(OVER % "300")
    axe_check_admin(page, browser_console)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#id_cohort_source_error")).to_contain_text(
        "This text is 350 characters long, over the limit of 300: shorten it to save it."
    )
    assert page.locator("#id_cohort_source").input_value() == "c" * 350
    expect(page.locator("#id_cohort_source-count")).to_have_text(OVER % "300")
    audit.refresh_from_db()
    assert audit.cohort_source == before
    axe_check_admin(page, browser_console)
    assert not csp_violations(browser_console), browser_console
